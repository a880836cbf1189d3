package io.txring.txn;

/**
 * Counters of a store since it opened.
 *
 * @param commits   transactions committed
 * @param conflicts commits refused by validation
 * @param attempts  bodies run by {@link Store#run} (first tries and retries)
 * @param failures  commits that failed with an I/O error
 */
public record StoreMetrics(long commits, long conflicts, long attempts, long failures) {}
