package io.txring.txn;

/**
 * Counters of a store handle since it opened.
 *
 * @param commits   transactions committed
 * @param conflicts commits refused by validation
 * @param attempts  bodies run by {@link Store#run} (first tries and retries)
 * @param failures  commits that failed with an I/O error
 * @param flushes          group-committed syncs asked for: step 1's shadow flushes and step 4's record syncs
 * @param flushSubmissions ring submissions those took: fewer than {@code flushes} when concurrent commits shared one
 * @param dirSyncs         directory syncs commits needed (shadow, journal and target directories)
 * @param dirFsyncs        directory fsyncs run for them: fewer than {@code dirSyncs} when concurrent commits shared one
 * @param runWaitNanos     time {@link Store#run} spent backing off between attempts
 * @param runGaveUp        {@link Store#run} calls that ended in a conflict at their deadline or attempt cap
 * @param orphansFinished  commit records of dead or failed committers this handle rolled forward
 * @param tornDiscarded    torn records of dead committers this handle removed (while others had the store open)
 * @param recoveries       failed states cleared by {@link Store#recover()}
 * @param reflinks         shadows that share the committed file's extents (FICLONE) instead of copying its bytes:
 *                         {@link Transaction#map} of an existing file where the filesystem can (XFS, btrfs; not ext4)
 * @param latencies        how long each commit step, and each whole commit that succeeded, took since the store opened
 *                         (from histograms: HdrHistogram, within 1 %)
 */
public record StoreMetrics(long commits, long conflicts, long attempts, long failures,
                           long flushes, long flushSubmissions, long dirSyncs, long dirFsyncs,
                           long runWaitNanos, long runGaveUp, long orphansFinished, long tornDiscarded, long recoveries, long reflinks,
                           java.util.Map<CommitStep, Latency> latencies) {}
