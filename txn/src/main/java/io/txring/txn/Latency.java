package io.txring.txn;

/**
 * A latency distribution from a histogram (HdrHistogram, two significant digits: each value
 * within 1 %), in nanoseconds.
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
    static Latency of(org.HdrHistogram.Histogram h) {
        if (h.getTotalCount() == 0) return new Latency(0, 0, 0, 0, 0, 0, 0);
        return new Latency(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
    }

    @Override
    public String toString() {
        return String.format("n=%d p50=%.1fµs p99=%.1fµs max=%.1fµs", count, p50 / 1e3, p99 / 1e3, max / 1e3);
    }
}
