package io.txring.bench.harness;

import java.nio.file.Path;
import java.util.List;

/** A named piece of work and the variants that do it; {@code scratch} is its own empty directory. */
public interface Workload {
    String name();

    /** What one op is, for the table ("open+close", "4 KiB read", "file replaced"…). */
    String unit();

    List<Variant> variants(Path scratch) throws Exception;

    /** Whether its ops sync to the disk: then the device's cache flushes per op are counted. */
    default boolean durable() {
        return false;
    }

    /** Why it cannot run on this machine (a tool is missing), or null: the bench then skips it and says so. */
    default String unavailable() {
        return null;
    }
}
