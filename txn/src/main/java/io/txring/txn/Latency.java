package io.txring.txn;

/**
 * A latency distribution from a histogram (HdrHistogram, two significant digits: each value
 * within 1 %, kept in whole microseconds), in nanoseconds.
 *
 * @param count how many were recorded
 * @param mean  their mean
 * @param p50   the median
 * @param p90   90 % were at most this
 * @param p99   99 % were at most this
 * @param p999  99.9 % were at most this
 * @param max   the largest (within the histogram's precision)
 */
public record Latency(long count, double mean, long p50, long p90, long p99, long p999, long max) {
    /** From a histogram of microseconds. */
    static Latency ofMicros(org.HdrHistogram.Histogram h) {
        if (h.getTotalCount() == 0) return new Latency(0, 0, 0, 0, 0, 0, 0);
        return new Latency(h.getTotalCount(), h.getMean() * 1e3, h.getValueAtPercentile(50) * 1_000, h.getValueAtPercentile(90) * 1_000,
                h.getValueAtPercentile(99) * 1_000, h.getValueAtPercentile(99.9) * 1_000, h.getMaxValue() * 1_000);
    }

    @Override
    public String toString() {
        return String.format("n=%d p50=%.1fµs p99=%.1fµs max=%.1fµs", count, p50 / 1e3, p99 / 1e3, max / 1e3);
    }
}
