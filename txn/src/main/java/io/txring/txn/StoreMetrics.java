package io.txring.txn;

/**
 * Counters of a store since it opened.
 *
 * @param commits   transactions committed
 * @param conflicts commits refused by validation
 * @param attempts  bodies run by {@link Store#run} (first tries and retries)
 * @param failures  commits that failed with an I/O error
 * @param flushes          commits that flushed shadows (step 1)
 * @param flushSubmissions ring submissions those flushes took: fewer than {@code flushes} when concurrent commits shared one
 * @param dirSyncs         directory syncs commits needed
 * @param dirFsyncs        directory fsyncs run for them: fewer than {@code dirSyncs} when concurrent commits shared one
 */
public record StoreMetrics(long commits, long conflicts, long attempts, long failures,
                           long flushes, long flushSubmissions, long dirSyncs, long dirFsyncs) {}
