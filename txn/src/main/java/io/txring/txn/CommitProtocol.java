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
    /** Each step's latency since the store opened (Store#metrics). */
    final CommitTimings timings = new CommitTimings();
    /** docs/COMMIT-PROTOCOL.md, "Creates only" and "Deferred finish"; off only for comparisons. */
    private static final boolean EARLY_RECORDS = Switches.EARLY_RECORDS, DEFERRED_FINISH = Switches.DEFERRED_FINISH;
    private static final System.Logger LOG = System.getLogger(CommitProtocol.class.getName());

    CommitProtocol(Store store, Journal journal, LockTable locks, SyncPolicy sync, GroupSync groupSync) {
        this.store = store;
        this.journal = journal;
        this.locks = locks;
        this.sync = sync;
        this.groupSync = groupSync;
    }

    void commit(Transaction tx) throws IOException {
        boolean writes = !tx.readOnly(); // only commits that flush count towards GroupFlush's lone path
        if (writes) store.groupFlush.commitStarted(); // a lone commit syncs on its own thread (GroupFlush)
        TxnEvents.Commit ev = TxnEvents.commits() ? new TxnEvents.Commit() : null; // no recording: no event
        if (ev != null) ev.begin();
        long start = System.nanoTime(), t = start; // each step's time goes to the store's histograms (and ev)
        String outcome = "failed";
        try {
            boolean early = EARLY_RECORDS && sync.tracksRemovals() && tx.contentKnown(); // creates only, content known: steps 1 and 4 as one
            boolean deferred = early && DEFERRED_FINISH; // published by links, its finish after it returns
            // Only a deferred finish publishes by links, where targets may share one shadow name (Transaction#link);
            // early implies two changes or more, so never publishOne. Every other commit gives each target its own name.
            if (!deferred) tx.unshareAll();
            if (!early) {
                flush(tx);                                                // 1
                t = timings.lap(CommitStep.FLUSH, t, ev);
            }
            LockTable.Held held = lock(tx);                               // 2
            t = timings.lap(CommitStep.LOCK, t, ev);
            boolean handedOver = false; // the locks went with a deferred finish: the flusher lets go of them
            try {
                store.refuseIfFailed();                                   //   under the locks: see Store#fail
                validate(tx);                                             // 3
                t = timings.lap(CommitStep.VALIDATE, t, ev);
                if (!writes) {
                    if (ev != null) ev.kind = "read-only";
                } else {
                    CommitRecord record = tx.record(early);
                    if (record.steps().size() == 1) {
                        if (ev != null) ev.kind = "single";
                        publishOne(tx, held);                             // 5 (a single change needs no record)
                        t = timings.lap(CommitStep.PUBLISH, t, ev);
                    } else {
                        if (ev != null) ev.kind = deferred ? "deferred" : early ? "early" : "record";
                        var ranges = LockTable.rangesOf(record.paths());
                        if (deferred) refusePoisonedTargets(tx);          // its targets' syncs come after it returns
                        if (early) writeRecordWithShadows(tx, record, ranges); // 1 and 4: the commit point
                        else writeRecord(tx, record, ranges);             // 4: the commit point
                        t = timings.lap(CommitStep.RECORD, t, ev);
                        if (deferred) {
                            handedOver = publishDeferringFinish(tx, held, ranges); // 5, and 5's syncs and 6 later
                            t = timings.lap(CommitStep.PUBLISH, t, ev);
                        } else {
                            publish(tx);                                  // 5
                            t = timings.lap(CommitStep.PUBLISH, t, ev);
                            finish(tx, ranges);                           // 6
                            t = timings.lap(CommitStep.FINISH, t, ev);
                        }
                    }
                }
            } finally {
                if (!handedOver) held.close();
            }
            commits.incrementAndGet();
            timings.lap(CommitStep.COMMIT, start, null);
            outcome = "committed";
        } catch (ConflictException e) {
            conflicts.incrementAndGet();
            outcome = "conflict";
            conflicted(tx, e);
            throw e;
        } catch (CommitUnknownException e) {
            failures.incrementAndGet();
            outcome = "unknown";
            throw e;
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            throw e;
        } finally {
            if (writes) store.groupFlush.commitEnded();
            if (ev != null) committed(ev, tx, outcome);
        }
    }

    /** Runs in a finally block: it never throws, so it cannot mask the failure in flight. */
    private static void committed(TxnEvents.Commit ev, Transaction tx, String outcome) {
        try {
            ev.end();
            if (!ev.shouldCommit()) return;
            List<String> paths = tx.paths();
            ev.transaction = tx.id;
            ev.paths = paths.size();
            ev.path = paths.isEmpty() ? null : paths.getFirst();
            ev.outcome = outcome;
            ev.commit();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "txring: JFR commit event lost: " + e);
        }
    }

    /** Runs in a catch block: it never throws, so the ConflictException reaches the caller. */
    private static void conflicted(Transaction tx, ConflictException e) {
        try {
            if (!TxnEvents.conflicts() || e.changes().isEmpty()) return;
            TxnEvents.Conflict c = new TxnEvents.Conflict();
            c.transaction = tx.id;
            c.path = e.changes().getFirst().path();
            c.what = e.changes().getFirst().what();
            c.changes = e.changes().size();
            c.commit();
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.DEBUG, "txring: JFR conflict event lost: " + ex);
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
            throw publishFailed(tx, failure);
        }
    }

    /** A failure after the commit point: the record becomes an orphan and the store fails, still under the locks. */
    private CommitUnknownException publishFailed(Transaction tx, Throwable failure) {
        IOException e = failure instanceof IOException io ? io : new IOException("publishing " + tx.id + " failed", failure);
        journal.abandon(tx.id); // an orphan now: the next holder of its locks (or Store.recover) finishes it
        store.fail(e);
        return new CommitUnknownException("publishing " + tx.id + " failed after its commit point; the store finishes it "
                + "on the next commit or read of its paths, or in Store.recover()", e);
    }

    /**
     * Before the commit point of a commit whose target directories are synced only after it
     * returns: a directory whose fsync failed on this handle is never trusted again
     * ({@link GroupSync}), so a commit into it fails now, cleanly, rather than return and fail
     * its deferred finish.
     */
    private void refusePoisonedTargets(Transaction tx) throws IOException {
        for (String dir : tx.targetDirs()) {
            if (groupSync.poisoned(dir)) {
                throw new IOException("commit " + tx.id + ": an fsync of directory \"" + (dir.isEmpty() ? "." : dir)
                        + "\" failed earlier on this store handle, so nothing committed into it can be made durable");
            }
        }
    }

    /**
     * Step 5 for an early-record commit, with its directory syncs and step 6 deferred: every
     * target is published as a hard link of its shadow, and the commit returns. Its record and
     * shadows are durable (the commit point), so a crash from here on rolls it forward; the
     * shadows keep their names until the target directories are synced, so that roll-forward
     * always finds them. The flusher syncs those directories later, shared with other deferred
     * finishes, then unlinks the shadows, removes the record and lets go of the locks — which
     * this commit keeps until then (the ranges' words stay PENDING meanwhile: held, never an
     * orphan while this process lives). Returns true: the locks are the finish's now.
     */
    private boolean publishDeferringFinish(Transaction tx, LockTable.Held held, Set<Integer> ranges) throws IOException {
        Map<String, Integer> targets;
        try {
            targets = tx.publish(true).getFirst();
        } catch (IOException | RuntimeException failure) {
            throw publishFailed(tx, failure);
        }
        io.txring.core.Op[] unlinks = tx.shadowUnlinks();
        Map<String, Integer> dirFds = tx.detachDirs(); // the targets' and shadows' fds, closed by the finish
        String id = tx.id;
        GroupFlush.Finish finish = new GroupFlush.Finish() {
            @Override
            public Map<String, Integer> dirs() {
                return targets;
            }

            @Override
            public void synced(Map<String, Integer> results, io.txring.core.Ring ring) {
                finishDeferred(id, ranges, unlinks, results, held, dirFds, ring);
            }
        };
        if (store.groupFlush.defer(finish)) return true;
        // The flusher takes no more work (it died): the record stays for recovery, as after a failed publish.
        Map<String, Integer> none = new java.util.LinkedHashMap<>();
        for (String d : targets.keySet()) none.put(d, Integer.MIN_VALUE);
        finish.synced(none, store.ring); // fails the store and abandons the record
        throw new CommitUnknownException("commit " + id + " was published, but the store's flusher is gone, so its directories "
                + "were not synced; Store.recover() finishes it", new IOException("flusher unavailable"));
    }

    /**
     * A deferred finish, on the flusher once the target directories' fsyncs completed: the
     * shadows unlinked, the record removed (step 6), the locks released. If a directory's fsync
     * failed, the commit has already returned: the record is abandoned (it stays, with its
     * shadows, for whoever adopts it; a directory whose fsync failed is never trusted again)
     * and the store fails, so the failure is reported by the next commit.
     */
    private void finishDeferred(String id, Set<Integer> ranges, io.txring.core.Op[] unlinks, Map<String, Integer> results,
                                LockTable.Held held, Map<String, Integer> dirFds, io.txring.core.Ring ring) {
        try {
            String failedDir = null;
            int failedWith = 0;
            for (var r : results.entrySet()) {
                if (r.getValue() < 0) {
                    failedDir = r.getKey();
                    failedWith = r.getValue();
                    break;
                }
            }
            IOException cause = null;
            if (failedDir != null) {
                String shown = failedDir.isEmpty() ? "." : failedDir;
                cause = failedWith == Integer.MIN_VALUE ? new IOException("the flusher did not sync " + shown)
                        : io.txring.uring.NativeException.of("fsync", shown, failedWith);
                cause = new IOException("the fsync of directory " + shown + " failed after the commit returned", cause);
            } else {
                try {
                    int[] r = ring.callBatch(unlinks);
                    for (int i = 0; i < r.length; i++) {
                        // Left behind, a shadow is a second name of the published file: the next lone open's sweep removes it.
                        if (r[i] < 0 && r[i] != -io.txring.uring.generated.Errno.ENOENT) {
                            LOG.log(System.Logger.Level.WARNING, "txring: commit {0}: unlinking a shadow of {1} failed ({2})",
                                    id, unlinks[i].path(), io.txring.uring.generated.Errno.name(-r[i]));
                        }
                    }
                    journal.remove(id, ranges, ring);                     // 6
                } catch (RuntimeException e) { // e.g. the ring broke: the record stays, its shadows and targets with it
                    cause = new IOException("finishing commit " + id + " after it returned failed", e);
                }
            }
            if (cause != null) {
                // Failed first, still under the locks (invariant 8); then the record is an orphan once they go.
                store.fail(new CommitUnknownException("commit " + id + " returned, but its last step failed afterwards (" + cause.getMessage()
                        + "); its record stays, and Store.recover() (or the next lone open) finishes it", cause));
                journal.abandon(id, ring);
                LOG.log(System.Logger.Level.ERROR, "txring: commit {0}: its deferred finish failed: {1}", id, cause.getMessage());
            }
        } finally {
            held.close();
            ring.callBatch(dirFds.values().stream().map(io.txring.core.Op::close).toArray(io.txring.core.Op[]::new));
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
