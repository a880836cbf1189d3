package io.txring.bench.harness;

import java.nio.file.Path;
import java.util.List;

/** A named piece of work and the variants that do it; {@code scratch} is its own empty directory. */
public interface Workload {
    String name();

    /** What one op is, for the table ("open+close", "4 KiB read", "file replaced"…). */
    String unit();

    List<Variant> variants(Path scratch) throws Exception;
}
