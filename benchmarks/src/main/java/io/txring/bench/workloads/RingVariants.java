package io.txring.bench.workloads;

import io.txring.core.Backend;
import io.txring.core.Mode;
import io.txring.core.RingConfig;
import java.util.ArrayList;
import java.util.List;

/** The txring configurations every workload runs: SQPOLL, interrupt-driven (SHARED, and SINGLE_ISSUER where one thread drives the ring) and the blocking fallback. */
final class RingVariants {
    /** {@code metadataSyscalls}: what a store on this ring sets {@link io.txring.txn.StoreConfig#metadataSyscalls()} to. */
    record Config(String name, RingConfig ring, boolean metadataSyscalls) {
        Config(String name, RingConfig ring) {
            this(name, ring, true);
        }
    }

    private RingVariants() {}

    static List<Config> of(boolean withSingleIssuer, int entries) {
        List<Config> c = new ArrayList<>();
        c.add(new Config("txring-sqpoll", RingConfig.builder().entries(entries).mode(Mode.SQPOLL).build()));
        c.add(new Config("txring-shared", RingConfig.builder().entries(entries).mode(Mode.SHARED).build()));
        if (withSingleIssuer) c.add(new Config("txring-single-issuer", RingConfig.builder().entries(entries).mode(Mode.SINGLE_ISSUER).build()));
        c.add(new Config("txring-blocking", RingConfig.builder().entries(entries).mode(Mode.SHARED).backend(Backend.BLOCKING).build()));
        return c;
    }

    /**
     * For workloads on a {@link io.txring.txn.Store}: {@link #of} plus a SHARED ring that also
     * carries the store's metadata ops (statx, openat2, renameat…) instead of running them as
     * syscalls — the same-run measure of that default.
     */
    static List<Config> forStores(int entries) {
        List<Config> c = of(false, entries);
        c.add(2, new Config("txring-shared-ring-only", RingConfig.builder().entries(entries).mode(Mode.SHARED).build(), false));
        return c;
    }
}
