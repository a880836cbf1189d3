package io.txring.txn;

import io.txring.core.RingConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Store} runs.
 *
 * @param durability  what a commit survives (default {@link Durability#DURABLE})
 * @param maxAttempts how many times {@link Store#run} tries a body that keeps conflicting
 * @param backoff     the first retry's delay; doubled per attempt, with jitter, capped at 100× this
 * @param ring        the ring the store submits through
 * @param fileMode    permission bits of files a transaction creates (before the umask); replacements keep the old file's
 * @param shadows     where shadow files live (default {@link ShadowPlacement#BESIDE_TARGET})
 * @param metadataSyscalls the store's metadata ops (statx, openat2, renameat, unlinkat, linkat, mkdirat)
 *                    and shadow writes run as plain syscalls on the calling thread
 *                    ({@link RingConfig#alsoAsSyscalls}); fsyncs and closes stay on the ring, where
 *                    concurrent commits share them. Default true: io_uring punts those ops to kernel
 *                    workers on ext4 and loses to the syscall (docs/BENCHMARKS.md)
 */
public record StoreConfig(Durability durability, int maxAttempts, Duration backoff, RingConfig ring, int fileMode,
                          ShadowPlacement shadows, boolean metadataSyscalls) {
    public StoreConfig {
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(shadows, "shadows");
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be ≥ 1: " + maxAttempts);
        if ((fileMode & ~07777) != 0) throw new IllegalArgumentException("fileMode must be permission bits: " + Integer.toOctalString(fileMode));
    }

    public static StoreConfig defaults() {
        return new StoreConfig(Durability.DURABLE, 20, Duration.ofMillis(1), RingConfig.defaults(), 0644, ShadowPlacement.BESIDE_TARGET, true);
    }

    public StoreConfig withDurability(Durability d) {
        return new StoreConfig(d, maxAttempts, backoff, ring, fileMode, shadows, metadataSyscalls);
    }

    public StoreConfig withMaxAttempts(int n) {
        return new StoreConfig(durability, n, backoff, ring, fileMode, shadows, metadataSyscalls);
    }

    public StoreConfig withRing(RingConfig r) {
        return new StoreConfig(durability, maxAttempts, backoff, r, fileMode, shadows, metadataSyscalls);
    }

    public StoreConfig withFileMode(int mode) {
        return new StoreConfig(durability, maxAttempts, backoff, ring, mode & 07777, shadows, metadataSyscalls);
    }

    public StoreConfig withShadowPlacement(ShadowPlacement p) {
        return new StoreConfig(durability, maxAttempts, backoff, ring, fileMode, p, metadataSyscalls);
    }

    public StoreConfig withMetadataSyscalls(boolean on) {
        return new StoreConfig(durability, maxAttempts, backoff, ring, fileMode, shadows, on);
    }
}
