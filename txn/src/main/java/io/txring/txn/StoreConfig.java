package io.txring.txn;

import io.txring.core.RingConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Store} runs.
 *
 * @param durability  what a commit survives (default {@link Durability#DURABLE})
 * @param maxAttempts an optional cap on how many times {@link Store#run} tries a body that keeps
 *                    conflicting (default {@link Integer#MAX_VALUE}: the deadline decides)
 * @param runTimeout  how long {@link Store#run} keeps retrying a body that conflicts (default 30 s)
 * @param backoff     the first retry's delay window; doubled per attempt (full jitter), capped at 100× this
 * @param ring        the ring the store submits through
 * @param fileMode    permission bits of files a transaction creates (before the umask); replacements keep the old
 *                    file's rwx bits — never its setuid, setgid or sticky bit
 * @param directoryMode permission bits of directories {@link Store#createDirectories} makes (before the umask;
 *                    default 0755)
 * @param shadows     where shadow files live (default {@link ShadowPlacement#BESIDE_TARGET})
 * @param metadataSyscalls the store's metadata ops (statx, openat2, renameat, unlinkat, linkat, mkdirat)
 *                    and shadow writes run as plain syscalls on the calling thread
 *                    ({@link RingConfig#alsoAsSyscalls}); fsyncs and closes stay on the ring, where
 *                    concurrent commits share them. Default true: io_uring punts those ops to kernel
 *                    workers on ext4 and loses to the syscall (docs/BENCHMARKS.md)
 */
public record StoreConfig(Durability durability, int maxAttempts, Duration runTimeout, Duration backoff, RingConfig ring, int fileMode,
                          int directoryMode, ShadowPlacement shadows, boolean metadataSyscalls) {
    public StoreConfig {
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(runTimeout, "runTimeout");
        if (runTimeout.isNegative()) throw new IllegalArgumentException("runTimeout must not be negative: " + runTimeout);
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(shadows, "shadows");
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be ≥ 1: " + maxAttempts);
        if ((fileMode & ~0777) != 0) throw new IllegalArgumentException("fileMode must be rwx bits (no setuid, setgid or sticky): " + Integer.toOctalString(fileMode));
        if ((directoryMode & ~0777) != 0) throw new IllegalArgumentException("directoryMode must be rwx bits: " + Integer.toOctalString(directoryMode));
    }

    public static StoreConfig defaults() {
        return new StoreConfig(Durability.DURABLE, Integer.MAX_VALUE, Duration.ofSeconds(30), Duration.ofMillis(1), RingConfig.defaults(),
                0644, 0755, ShadowPlacement.BESIDE_TARGET, true);
    }

    public StoreConfig withDurability(Durability d) {
        return new StoreConfig(d, maxAttempts, runTimeout, backoff, ring, fileMode, directoryMode, shadows, metadataSyscalls);
    }

    public StoreConfig withMaxAttempts(int n) {
        return new StoreConfig(durability, n, runTimeout, backoff, ring, fileMode, directoryMode, shadows, metadataSyscalls);
    }

    /** How long {@link Store#run} retries a conflicting body before it gives up. */
    public StoreConfig withRunTimeout(Duration t) {
        return new StoreConfig(durability, maxAttempts, t, backoff, ring, fileMode, directoryMode, shadows, metadataSyscalls);
    }

    /** The first retry's backoff window (doubled per retry, capped at 100× this). */
    public StoreConfig withBackoff(Duration b) {
        return new StoreConfig(durability, maxAttempts, runTimeout, b, ring, fileMode, directoryMode, shadows, metadataSyscalls);
    }

    public StoreConfig withRing(RingConfig r) {
        return new StoreConfig(durability, maxAttempts, runTimeout, backoff, r, fileMode, directoryMode, shadows, metadataSyscalls);
    }

    public StoreConfig withFileMode(int mode) {
        return new StoreConfig(durability, maxAttempts, runTimeout, backoff, ring, mode, directoryMode, shadows, metadataSyscalls);
    }

    /** Permission bits of directories {@link Store#createDirectories} makes (e.g. 0700 for a private spool). */
    public StoreConfig withDirectoryMode(int mode) {
        return new StoreConfig(durability, maxAttempts, runTimeout, backoff, ring, fileMode, mode, shadows, metadataSyscalls);
    }

    public StoreConfig withShadowPlacement(ShadowPlacement p) {
        return new StoreConfig(durability, maxAttempts, runTimeout, backoff, ring, fileMode, directoryMode, p, metadataSyscalls);
    }

    public StoreConfig withMetadataSyscalls(boolean on) {
        return new StoreConfig(durability, maxAttempts, runTimeout, backoff, ring, fileMode, directoryMode, shadows, on);
    }
}
