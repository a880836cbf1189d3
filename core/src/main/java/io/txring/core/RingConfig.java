package io.txring.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How to open a {@link Ring}. Build with {@link #builder()}; every setting has a default
 * that suits a small server.
 *
 * @param entries          submission queue size (rounded up to a power of two by the kernel)
 * @param cqEntries        completion queue size (≥ entries)
 * @param maxInFlight      ops submitted but not yet delivered, at most; more wait for a slot.
 *                         Above {@code cqEntries} the kernel's overflow backlog is used.
 * @param mode             how the ring is driven, see {@link Mode}
 * @param sqThreadIdle     SQPOLL: how long the kernel thread spins before it sleeps
 * @param sqThreadCpu      SQPOLL: the CPU to pin the kernel thread to, or -1
 * @param shareSqThreadOf  SQPOLL: another ring whose kernel thread (and io-wq) to share, or null
 * @param registeredFiles  size of the direct-descriptor table (0 for none)
 * @param backend          which backend to use; {@code null} picks io_uring when available
 * @param blockingThreads  worker threads of the blocking backend
 * @param faults           fault injection for tests, or null
 * @param tracer           sees every op as it completes (tests, debugging), or null
 * @param syscallOpcodes   bit {@code 1L << opcode} set: ops of that opcode skip the ring and run as
 *                         plain syscalls on the submitting thread (where io_uring would punt them
 *                         to a kernel worker and lose to the syscall; see docs/BENCHMARKS.md). 0: none
 */
public record RingConfig(int entries, int cqEntries, int maxInFlight, Mode mode, Duration sqThreadIdle,
                         int sqThreadCpu, Ring shareSqThreadOf, int registeredFiles, Backend backend,
                         int blockingThreads, Faults faults, OpTracer tracer, long syscallOpcodes) {

    /** The mode {@link Ring#open()} uses; see the README's "Default mode" for the measurements behind it. */
    public static final Mode DEFAULT_MODE = Mode.SHARED;

    public RingConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(sqThreadIdle, "sqThreadIdle");
        if (entries < 1 || entries > 32768) throw new IllegalArgumentException("entries must be 1..32768: " + entries);
        if (cqEntries < entries) throw new IllegalArgumentException("cqEntries (" + cqEntries + ") < entries (" + entries + ")");
        if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be ≥ 1: " + maxInFlight);
        if (registeredFiles < 0) throw new IllegalArgumentException("registeredFiles must be ≥ 0: " + registeredFiles);
        if (blockingThreads < 1) throw new IllegalArgumentException("blockingThreads must be ≥ 1: " + blockingThreads);
    }

    /** This config with ops of {@code opcodes} also run as plain syscalls (see {@link Builder#runAsSyscalls}). */
    public RingConfig alsoAsSyscalls(int... opcodes) {
        return toBuilder().runAsSyscalls(opcodes).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every setting of this config, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.entries = entries;
        b.cqEntries = cqEntries;
        b.maxInFlight = maxInFlight;
        b.mode = mode;
        b.sqThreadIdle = sqThreadIdle;
        b.sqThreadCpu = sqThreadCpu;
        b.shareSqThreadOf = shareSqThreadOf;
        b.registeredFiles = registeredFiles;
        b.backend = backend;
        b.blockingThreads = blockingThreads;
        b.faults = faults;
        b.tracer = tracer;
        b.syscallOpcodes = syscallOpcodes;
        return b;
    }

    public static RingConfig defaults() {
        return builder().build();
    }

    /** Builder with defaults: 256 entries, CQ 512, SHARED, 10 ms SQPOLL idle, 64 direct descriptors. */
    public static final class Builder {
        private int entries = 256;
        private int cqEntries = -1;
        private int maxInFlight = -1;
        private Mode mode = Mode.valueOf(System.getProperty("txring.mode", DEFAULT_MODE.name()).toUpperCase(java.util.Locale.ROOT));
        private Duration sqThreadIdle = Duration.ofMillis(10);
        private int sqThreadCpu = -1;
        private Ring shareSqThreadOf;
        private int registeredFiles = 64;
        private Backend backend = System.getProperty("txring.backend") == null ? null
                : Backend.valueOf(System.getProperty("txring.backend").toUpperCase(java.util.Locale.ROOT));
        private int blockingThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        private Faults faults;
        private OpTracer tracer;
        private long syscallOpcodes;

        public Builder entries(int n) { entries = n; return this; }
        public Builder cqEntries(int n) { cqEntries = n; return this; }
        public Builder maxInFlight(int n) { maxInFlight = n; return this; }
        public Builder mode(Mode m) { mode = m; return this; }
        public Builder sqThreadIdle(Duration d) { sqThreadIdle = d; return this; }
        public Builder sqThreadCpu(int cpu) { sqThreadCpu = cpu; return this; }
        public Builder shareSqThreadOf(Ring r) { shareSqThreadOf = r; return this; }
        public Builder registeredFiles(int n) { registeredFiles = n; return this; }
        public Builder backend(Backend b) { backend = b; return this; }
        public Builder blockingThreads(int n) { blockingThreads = n; return this; }
        /** Tests only: make chosen ops fail, see {@link Faults}. */
        public Builder faults(Faults f) { faults = f; return this; }
        /** Sees every op as it completes, on the completing thread; for tests and debugging. */
        public Builder tracer(OpTracer t) { tracer = t; return this; }

        /**
         * Runs ops of these opcodes ({@code IORING_OP_*}, below 64) as plain syscalls on the submitting thread.
         * A batch holding one of them runs wholly that way (in order, chains intact), so route only ops that
         * are usually submitted alone.
         */
        public Builder runAsSyscalls(int... opcodes) {
            syscallOpcodes |= mask(opcodes);
            return this;
        }

        static long mask(int... opcodes) {
            long m = 0;
            for (int op : opcodes) {
                if (op < 0 || op >= 64) throw new IllegalArgumentException("opcode out of range: " + op);
                m |= 1L << op;
            }
            return m;
        }

        public RingConfig build() {
            int cq = cqEntries > 0 ? cqEntries : 2 * entries;
            return new RingConfig(entries, cq, maxInFlight > 0 ? maxInFlight : cq, mode, sqThreadIdle, sqThreadCpu,
                    shareSqThreadOf, registeredFiles, backend, blockingThreads, faults, tracer, syscallOpcodes);
        }
    }
}
