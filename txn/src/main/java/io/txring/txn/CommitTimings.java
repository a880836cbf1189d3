package io.txring.txn;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * How long each step of a store's commits took, since it opened: one histogram per step
 * (docs/COMMIT-PROTOCOL.md numbers them) and one for whole commits. Recording is wait-free and
 * allocates nothing; a snapshot copies. The same laps fill a commit's JFR event when one is
 * being recorded.
 */
final class CommitTimings {
    /** Recorded in microseconds, 1 µs to 10 min (longer counts as 10 min), two significant digits: ≈ 40 KB per histogram. */
    private static final long HIGHEST = 600_000_000L;

    private final ConcurrentHistogram[] steps = new ConcurrentHistogram[CommitStep.values().length];

    CommitTimings() {
        for (int i = 0; i < steps.length; i++) steps[i] = new ConcurrentHistogram(1, HIGHEST, 2);
    }

    /** Records {@code step} as taking now − {@code since} (and into {@code ev} if a JFR event is being filled); returns now. */
    long lap(CommitStep step, long since, TxnEvents.Commit ev) {
        long now = System.nanoTime();
        long took = now - since;
        steps[step.ordinal()].recordValue(Math.clamp((took + 500) / 1_000, 1, HIGHEST)); // µs, rounded; under 1 µs counts as 1
        if (ev != null) ev.set(step, took);
        return now;
    }

    /** A copy of every step's distribution, steps that never ran included (count 0). */
    Map<CommitStep, Latency> snapshot() {
        EnumMap<CommitStep, Latency> m = new EnumMap<>(CommitStep.class);
        for (CommitStep s : CommitStep.values()) m.put(s, Latency.ofMicros(steps[s.ordinal()].copy()));
        return Collections.unmodifiableMap(m);
    }
}
