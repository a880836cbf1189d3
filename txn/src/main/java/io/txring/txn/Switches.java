package io.txring.txn;

/**
 * Every system property the txn module reads, in one place: switches that turn one step of
 * the commit protocol off for an A/B measurement (docs/BENCHMARKS.md) — all default to on,
 * {@code -Dtxring.<name>=false} turns one off — and two durations (the deferred finish's delay,
 * the lone path's calm window). The ring's own
 * ({@code txring.mode}, {@code txring.backend}) are read by {@code RingConfig.Builder}; the
 * JDK's {@code jdk.virtualThreadScheduler.parallelism} is read where carriers are counted.
 */
final class Switches {
    private Switches() {}

    /** {@code txring.earlyRecords}: a create-only commit writes its record before its shadows are durable (one flush round). Read once. */
    static final boolean EARLY_RECORDS = on("txring.earlyRecords");

    /** {@code txring.deferredFinish}: a delivery returns before its target directories are synced (the flusher syncs them). Read once. */
    static final boolean DEFERRED_FINISH = on("txring.deferredFinish");

    /** {@code txring.recordLog}: commit records go to the shared record log, not a file each. Read as a store opens. */
    static boolean recordLog() {
        return on("txring.recordLog");
    }

    /** {@code txring.loneInline}: a commit alone syncs on its own thread instead of handing off to the flusher. Read as a store opens. */
    static boolean loneInline() {
        return on("txring.loneInline");
    }

    /**
     * {@code txring.loneCalmMicros} (default 20,000): a commit syncs alone only if no two commits of its store
     * overlapped for this long (0: whenever it is the only one under way, as before). Read once.
     */
    static final long LONE_CALM_MICROS = Long.getLong("txring.loneCalmMicros", 20_000);

    /** {@code txring.finishDelayMicros} (default 4,000): how long a deferred finish may wait for others to share its fsyncs. Read once. */
    static final long FINISH_DELAY_MICROS = Long.getLong("txring.finishDelayMicros", 4_000);

    private static boolean on(String property) {
        return !"false".equals(System.getProperty(property));
    }
}
