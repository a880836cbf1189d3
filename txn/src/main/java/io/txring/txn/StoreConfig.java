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
 *                    ({@link RingConfig#alsoAsSyscalls}), and so do a transaction's directory closes
 *                    (but a deferred finish's, on the flusher's ring);
 *                    fsyncs and the shadows' closes stay on the ring, where concurrent commits share
 *                    them. Default true: io_uring punts those ops to kernel
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
        return builder().build();
    }

    /** A builder with the defaults above. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every setting of this config, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.durability = durability;
        b.maxAttempts = maxAttempts;
        b.runTimeout = runTimeout;
        b.backoff = backoff;
        b.ring = ring;
        b.fileMode = fileMode;
        b.directoryMode = directoryMode;
        b.shadows = shadows;
        b.metadataSyscalls = metadataSyscalls;
        return b;
    }

    public StoreConfig withDurability(Durability d) { return toBuilder().durability(d).build(); }

    public StoreConfig withMaxAttempts(int n) { return toBuilder().maxAttempts(n).build(); }

    /** How long {@link Store#run} retries a conflicting body before it gives up. */
    public StoreConfig withRunTimeout(Duration t) { return toBuilder().runTimeout(t).build(); }

    /** The first retry's backoff window (doubled per retry, capped at 100× this). */
    public StoreConfig withBackoff(Duration b) { return toBuilder().backoff(b).build(); }

    public StoreConfig withRing(RingConfig r) { return toBuilder().ring(r).build(); }

    public StoreConfig withFileMode(int mode) { return toBuilder().fileMode(mode).build(); }

    /** Permission bits of directories {@link Store#createDirectories} makes (e.g. 0700 for a private spool). */
    public StoreConfig withDirectoryMode(int mode) { return toBuilder().directoryMode(mode).build(); }

    public StoreConfig withShadowPlacement(ShadowPlacement p) { return toBuilder().shadows(p).build(); }

    public StoreConfig withMetadataSyscalls(boolean on) { return toBuilder().metadataSyscalls(on).build(); }

    /** Builds a {@link StoreConfig}; each setting starts at its default (see the record's components). */
    public static final class Builder {
        private Durability durability = Durability.DURABLE;
        private int maxAttempts = Integer.MAX_VALUE;
        private Duration runTimeout = Duration.ofSeconds(30);
        private Duration backoff = Duration.ofMillis(1);
        private RingConfig ring = RingConfig.defaults();
        private int fileMode = 0644;
        private int directoryMode = 0755;
        private ShadowPlacement shadows = ShadowPlacement.BESIDE_TARGET;
        private boolean metadataSyscalls = true;

        private Builder() {}

        public Builder durability(Durability d) { durability = d; return this; }
        public Builder maxAttempts(int n) { maxAttempts = n; return this; }
        public Builder runTimeout(Duration t) { runTimeout = t; return this; }
        public Builder backoff(Duration b) { backoff = b; return this; }
        public Builder ring(RingConfig r) { ring = r; return this; }
        public Builder fileMode(int mode) { fileMode = mode; return this; }
        public Builder directoryMode(int mode) { directoryMode = mode; return this; }
        public Builder shadows(ShadowPlacement p) { shadows = p; return this; }
        public Builder metadataSyscalls(boolean on) { metadataSyscalls = on; return this; }

        /** Checks the settings (the record's constructor) and builds. */
        public StoreConfig build() {
            return new StoreConfig(durability, maxAttempts, runTimeout, backoff, ring, fileMode, directoryMode, shadows, metadataSyscalls);
        }
    }
}
