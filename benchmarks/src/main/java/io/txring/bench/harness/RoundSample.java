package io.txring.bench.harness;

/**
 * What one round of one variant did. Counters a variant cannot know are -1.
 *
 * @param ops             operations completed (a file replaced, a message delivered, a read…)
 * @param nanos           wall time of the round
 * @param traps           {@code io_uring_enter} calls during the round (0 where no ring is used, -1 where not counted)
 * @param cpuNanos        CPU time of the process doing the work during the round, every thread included
 * @param userNanos       the user-mode part of {@code cpuNanos}, or -1 where only the total is read
 * @param sysNanos        the kernel-mode part of {@code cpuNanos}, or -1
 * @param contextSwitches voluntary + involuntary context switches of that process's threads, or -1
 * @param flushes         cache flushes the block device under the scratch directory completed, or -1 (set by the harness)
 */
public record RoundSample(long ops, long nanos, long traps, long cpuNanos, long userNanos, long sysNanos, long contextSwitches,
                          long flushes) {
    /** A round measured in this process: total CPU only, no split, no switch or flush count. */
    public RoundSample(long ops, long nanos, long traps, long cpuNanos) {
        this(ops, nanos, traps, cpuNanos, -1, -1, -1, -1);
    }

    public double opsPerSecond() {
        return ops / (nanos / 1e9);
    }

    public RoundSample withFlushes(long n) {
        return new RoundSample(ops, nanos, traps, cpuNanos, userNanos, sysNanos, contextSwitches, n);
    }
}
