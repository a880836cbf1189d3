package io.txring.bench.harness;

/**
 * What one round of one variant did.
 *
 * @param ops      operations completed (a file replaced, a message delivered, a read…)
 * @param nanos    wall time of the round
 * @param traps    {@code io_uring_enter} calls during the round (0 where no ring is used, -1 where not counted)
 * @param cpuNanos CPU time of the whole process during the round, every thread included
 */
public record RoundSample(long ops, long nanos, long traps, long cpuNanos) {
    public double opsPerSecond() {
        return ops / (nanos / 1e9);
    }
}
