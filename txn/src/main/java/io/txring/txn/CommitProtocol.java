package io.txring.txn;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The commit protocol, one method per numbered step (the design: docs/COMMIT-PROTOCOL.md).
 * Each step's comment says what it ensures; the order is what makes a commit land
 * completely or not at all, across threads, processes and crashes.
 */
final class CommitProtocol {
    private final Store store;
    private final Journal journal;
    private final LockTable locks;
    private final SyncPolicy sync;
    private final GroupSync groupSync;
    final AtomicLong commits = new AtomicLong(), conflicts = new AtomicLong(), failures = new AtomicLong();
    /** {@code -Dtxring.earlyRecords=false} turns off the early-record path (docs/COMMIT-PROTOCOL.md, "Creates only"): for comparisons. */
    private static final boolean EARLY_RECORDS = !"false".equals(System.getProperty("txring.earlyRecords"));

    CommitProtocol(Store store, Journal journal, LockTable locks, SyncPolicy sync, GroupSync groupSync) {
        this.store = store;
        this.journal = journal;
        this.locks = locks;
        this.sync = sync;
        this.groupSync = groupSync;
    }

    void commit(Transaction tx) throws IOException {
        try {
            boolean early = EARLY_RECORDS && sync.tracksRemovals() && tx.contentKnown(); // creates only, content known: steps 1 and 4 as one
            if (!early) flush(tx);                                        // 1
            try (LockTable.Held held = lock(tx)) {                        // 2
                store.refuseIfFailed();                                   //   under the locks: see Store#fail
                validate(tx);                                             // 3
                if (!tx.readOnly()) {
                    CommitRecord record = tx.record(early);
                    if (record.steps().size() == 1) {
                        publishOne(tx, held);                             // 5 (a single change needs no record)
                    } else {
                        var ranges = LockTable.rangesOf(record.paths());
                        if (early) writeRecordWithShadows(tx, record, ranges); // 1 and 4: the commit point
                        else writeRecord(tx, record, ranges);             // 4: the commit point
                        publish(tx);                                      // 5
                        finish(tx, ranges);                               // 6
                    }
                }
            }
            commits.incrementAndGet();
        } catch (ConflictException e) {
            conflicts.incrementAndGet();
            throw e;
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            throw e;
        }
    }

    /**
     * Step 1, flush: every shadow's data durable and closed, in one submission shared with
     * concurrent commits ({@link GroupFlush}); a commit that will write a record also syncs its
     * shadows' directories. Ensures: a record never names a shadow a crash could lose.
     */
    private void flush(Transaction tx) throws IOException {
        tx.flush(sync);
    }

    /**
     * Step 2, lock: the commit locks of every path, in range order, in-process then OFD. A
     * range marked PENDING while we hold it is an orphan's: the locks are let go, the orphan is
     * finished ({@link Journal#adopt}), and the locks taken again. Ensures: no other live
     * commit holds these paths, and no record of a dead or failed committer names them.
     */
    private LockTable.Held lock(Transaction tx) throws IOException {
        List<String> paths = tx.paths();
        for (int round = 0; ; round++) {
            LockTable.Held held = locks.acquire(paths);
            Set<Integer> orphans = journal.orphansAmong(held.ranges());
            if (orphans.isEmpty()) return held;
            held.close(); // adopt takes each orphan's own locks, in order: holding ours could deadlock
            if (round == 8) throw new IOException("commit " + tx.id + ": orphaned commit records on its paths could not be finished");
            journal.adopt(orphans);
        }
    }

    /** Step 3, validate: every stamp as first seen, else {@link ConflictException}. Ensures serializability. */
    private void validate(Transaction tx) throws IOException {
        tx.validate();
    }

    /**
     * Step 4, commit record: marks the ranges PENDING, writes and syncs the record. Ensures:
     * from here on every step is published — by this commit, or by whoever adopts the record.
     * A failure that leaves the outcome unknown fails the store before the locks are released.
     */
    private void writeRecord(Transaction tx, CommitRecord record, Set<Integer> ranges) throws IOException {
        writeRecord(tx, record, ranges, NO_OPS, Map.of());
    }

    private static final io.txring.core.Op[] NO_OPS = {};

    /**
     * Steps 1 and 4 as one, for a transaction that only creates files whose content it knows
     * ({@link Transaction#contentKnown}): the record, naming each shadow's inode, size and
     * CRC-32C, is written first, then the shadows' data, their directories and the record are
     * synced in one flusher batch: one round trip fewer. Ensures: once the batch completed,
     * every step is published, by this commit or by whoever adopts the record; a crash before
     * that may leave the record durable without some shadow, and recovery then finds a shadow
     * missing or not matching while nothing was published, and rolls the record back
     * ({@link Journal#rollForward}). Held under the locks: the flush now is.
     */
    private void writeRecordWithShadows(Transaction tx, CommitRecord record, Set<Integer> ranges) throws IOException {
        Map<String, Integer> shadowDirs = tx.shadowDirs(); // before the ops below close the shadows
        try {
            writeRecord(tx, record, ranges, tx.shadowFlushOps(sync), shadowDirs);
        } catch (IOException | RuntimeException e) {
            tx.forgetShadowNames(); // nothing was published: with its shadows gone, the record (if it survives) rolls back
            throw e;
        }
    }

    private void writeRecord(Transaction tx, CommitRecord record, Set<Integer> ranges, io.txring.core.Op[] withOps,
                             Map<String, Integer> withDirs) throws IOException {
        try {
            journal.write(tx.id, record, ranges, withOps, withDirs);
        } catch (CommitUnknownException e) {
            tx.pastCommitPoint = true; // the record may survive: its shadows are the adopter's now, never dropped by the abort
            store.fail(e);
            throw e;
        }
        tx.pastCommitPoint = true;
    }

    /**
     * Step 5, publish: renames and unlinks in one batch, then every touched directory synced
     * (shared with concurrent commits). Ensures: the new versions are visible and durable. A
     * failure leaves the record to be adopted and fails the store, still under the locks.
     */
    private void publish(Transaction tx) throws IOException {
        try {
            for (Map<String, Integer> stage : tx.publish()) sync.syncDirs(store.groupFlush, stage);
        } catch (IOException | RuntimeException failure) {
            IOException e = failure instanceof IOException io ? io : new IOException("publishing " + tx.id + " failed", failure);
            journal.abandon(tx.id); // an orphan now: the next holder of its locks (or Store.recover) finishes it
            store.fail(e);
            throw new CommitUnknownException("publishing " + tx.id + " failed after its commit point; the store finishes it "
                    + "on the next commit or read of its paths, or in Store.recover()", e);
        }
    }

    /**
     * Step 5 for a single change: no record (one rename is atomic); an earlier record's
     * removal made durable first if these ranges need it; the change linked to its
     * directory's fsync where possible. Ensures: the change is visible and durable.
     */
    private void publishOne(Transaction tx, LockTable.Held held) throws IOException {
        journal.syncRemovalsOf(held.ranges());
        try {
            tx.publishOne(sync, groupSync); // a failed rename throws as it is: nothing was published
        } catch (Transaction.DurabilityUnknown e) {
            throw new CommitUnknownException("published " + tx.id + " but could not make it durable", e.getCause());
        }
    }

    /**
     * Step 6, finish: the record unlinked and its removal numbered in its ranges' words (made
     * durable by the next journal fsync, which a later commit on these ranges waits for); then
     * the caller releases the locks. Ensures: no record outlives its commit to be replayed over
     * a later one.
     */
    private void finish(Transaction tx, Set<Integer> ranges) {
        journal.remove(tx.id, ranges);
    }
}
