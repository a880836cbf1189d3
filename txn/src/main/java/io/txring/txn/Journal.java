package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Op;
import io.txring.core.Ring;
import io.txring.uring.NativeException;
import io.txring.uring.generated.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The commit records of a store ({@code .txring/journal/}): writing them (the commit point),
 * removing them, and finishing the ones their committer left behind.
 *
 * <h2>Where records are</h2>
 * A record fitting a 4 KiB block goes into a block of its writer's {@link RecordLog},
 * {@code log-<slot>}, {@code slot} being the owner slot of the store handle that wrote it (a
 * byte of {@code .txring/lock} that handle keeps write-locked, an OFD lock, until it closes or
 * its process dies); scans name such a record {@code log-<slot>/<block>}. A larger record is a
 * file named {@code <slot>-<handle>-<n>}. A record file is <em>live</em> while its writer may
 * still be working on it: its slot is held by another open file description, or it is this
 * handle's own and still in {@link #inFlight}. Liveness is exact — a lock, never a timeout. A
 * torn block is never touched by anyone but its log's holder.
 *
 * <h2>Orphans</h2>
 * A live committer holds the commit locks of every path its record names from before it writes
 * the record until after it has removed it, and it marks those ranges {@link CommitMarks#PENDING}
 * first. So whoever holds a range's lock and finds it PENDING has found an orphan: the committer
 * died after its commit point, or failed past it. {@link #adopt} finishes it, under the locks of
 * every path it names: rolls each step forward only while the target is still the version the
 * committer validated and the shadow is still there ({@link #rollForward}), syncs, unlinks the
 * record, makes that removal durable, clears the marks — then releases the locks.
 *
 * <h2>Removals</h2>
 * A committer removes its own record (zeroes its block; a record file is renamed aside as a
 * spare, see below) lazily durable: the removal gets a number in its place — the log, or the
 * journal directory — ({@link CommitMarks#nextRemoval}) written into its ranges' words, and a
 * later commit on those ranges syncs that place before its own commit point unless a sync has
 * covered that number already (a record's own sync covers its own place). A crash can thus
 * never bring back a record after a later commit on its paths became durable; the version
 * check of {@link #rollForward} would refuse to move a path backwards even if it did.
 *
 * <h2>Spares</h2>
 * A removed record file is renamed to {@code <name>.spare} and kept open; the next record is
 * written into it and renamed to its own name (no inode, block or discard churn per commit).
 * A record names its file (v4 {@code id} line), so a reused file whose rename survived a crash
 * but whose new content did not reads as torn. Spares are never read as records; a closing
 * handle unlinks its own, a lone open those of dead handles.
 */
final class Journal {
    /** The journal directory, as {@link GroupSync} and {@link GroupFlush} key it. */
    static final String DIR = StorePath.META_DIR + "/journal";
    private static final System.Logger LOG = System.getLogger(Journal.class.getName());

    /** What one pass over the journal did. */
    record Report(int replayed, int discarded, int quarantined) {}

    /** A record file's content, or why it is not one (then it is quarantined, never parsed). */
    private record Found(byte[] bytes, String problem) {}

    /** A journal entry as read: a whole record, torn (record null), or moved to the quarantine. */
    private record Classified(CommitRecord record, boolean quarantined) {}

    /** Records are small (a line per path); anything larger is not one of ours. */
    static final long MAX_RECORD_BYTES = 1 << 20;

    private final Store store;
    private final Ring ring;
    private final FileOps fs;
    final int journalFd;
    private final CommitMarks marks;
    private final LockTable locks;
    private final SyncPolicy sync;
    private final GroupSync groupSync;
    private final int ownerSlot;
    /** This handle's records between their creation and their removal (or abandonment after a failure). */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    /** A record file, open: its fd and the length of what it holds. */
    private record RecordFile(String name, int fd, long length) {}

    /** Name suffix of a spare: a removed record file renamed aside for reuse; never a record, never read. */
    static final String SPARE_SUFFIX = ".spare";
    /** Spares kept per handle: enough for the commits one handle runs at once; more are unlinked. */
    static final int MAX_SPARES = 32;
    /** This handle's in-flight record files, open (a record's fd outlives its commit point: it becomes a spare). */
    private final Map<String, RecordFile> openRecords = new ConcurrentHashMap<>();
    /** Removed record files kept for the next records: no inode, block or discard churn, no open or close per commit. */
    private final ConcurrentLinkedDeque<RecordFile> spares = new ConcurrentLinkedDeque<>();
    private final AtomicInteger spareCount = new AtomicInteger();
    private volatile boolean closing;
    /** This handle's record log (null: records are files only, {@code -Dtxring.recordLog=false}, for comparisons). */
    final RecordLog log;
    /** This handle's in-flight records that are in {@link #log}: txid → block. */
    private final Map<String, Integer> logBlocks = new ConcurrentHashMap<>();
    private static final Op[] NO_OPS = {};
    /** A record in a log is named, in scans, {@code <log file>/<block>}: no entry of the directory has a '/' in its name. */
    private static final char AT = '/';
    /** Logs are a block per concurrent commit of one handle; a larger one is not ours to read whole. */
    static final long MAX_LOG_BYTES = 64L << 20;
    final AtomicLong adopted = new AtomicLong(), discarded = new AtomicLong();

    Journal(Store store, int journalFd, CommitMarks marks, LockTable locks, SyncPolicy sync, GroupSync groupSync, int ownerSlot) {
        this.store = store;
        this.ring = store.ring;
        this.fs = store.fs;
        this.journalFd = journalFd;
        this.marks = marks;
        this.locks = locks;
        this.sync = sync;
        this.groupSync = groupSync;
        this.ownerSlot = ownerSlot;
        this.log = !Switches.recordLog() ? null : new RecordLog(store, journalFd, marks, sync, groupSync, ownerSlot);
    }

    // ---- the committer's side ---------------------------------------------------------------

    /**
     * Step 4, the commit point: marks the ranges, then creates, writes and (per the policy)
     * syncs the record. Ensures: when this returns the record is durable and every range it
     * names reads PENDING; when it throws {@link NativeException} nothing of it survives (a clean
     * failure); when it throws {@link CommitUnknownException} it may survive and be rolled forward.
     */
    void write(String txid, CommitRecord record, Collection<Integer> ranges) throws IOException {
        write(txid, record, ranges, NO_OPS, Map.of());
    }

    /**
     * As {@link #write(String, CommitRecord, Collection)}, with {@code withOps} and
     * {@code withDirs} (an early record's shadow syncs and closes, and its shadow directories)
     * in the record's own flusher batch; a failure of one of them fails the write cleanly, like
     * the record's own sync.
     */
    void write(String txid, CommitRecord record, Collection<Integer> ranges, Op[] withOps, Map<String, Integer> withDirs) throws IOException {
        boolean[] sent = {withOps.length == 0};
        try {
            write(txid, record, ranges, withOps, withDirs, sent);
        } catch (IOException | RuntimeException e) {
            if (!sent[0]) { // failed before its batch went out: the shadows' closes are still ours to run
                List<Op> closes = java.util.Arrays.stream(withOps).filter(o -> o.opcode() == IORING_OP_CLOSE).map(o -> Op.close(o.fd())).toList();
                if (!closes.isEmpty()) ring.callBatch(closes.toArray(Op[]::new));
            }
            throw e;
        }
    }

    private void write(String txid, CommitRecord record, Collection<Integer> ranges, Op[] withOps, Map<String, Integer> withDirs,
                       boolean[] sent) throws IOException {
        String shown = ".txring/journal/" + txid;
        // The record's own sync covers removals in the place it goes to, not in other handles' logs (or the
        // journal directory): those must be durable first, or a record they removed could come back over this one.
        byte[] bytes = new CommitRecord(txid, record.steps()).encode();
        boolean intoLog = log != null && bytes.length <= RecordLog.BLOCK;
        syncRemovalsOf(ranges, intoLog ? log.slot : CommitMarks.JOURNAL_DIR);
        inFlight.add(txid);
        long[] before = new long[ranges.size()];
        int at = 0;
        for (int r : ranges) {
            before[at++] = marks.get(r); // restored on a clean failure: an unsynced removal stays unsynced
            marks.setPending(r); // before the record exists: a finder holding a range's lock knows to look
        }
        // The record names its file, or its writer's slot when it goes into a log: content under another name reads as torn.
        if (intoLog) {
            writeToLog(txid, bytes, ranges, before, withOps, withDirs, sent);
            return;
        }
        long removalsBefore = marks.removals(CommitMarks.JOURNAL_DIR); // this write's journal fsync starts after these removals
        RecordFile spare = spares.pollFirst();
        if (spare != null) spareCount.decrementAndGet();
        String nameNow = null; // the file's name while this runs: the spare's, then the record's
        int fd = -1;
        try {
            if (spare == null) {
                fd = fs.open(journalFd, txid, O_CREAT | O_EXCL | O_WRONLY, 0600, shown);
                nameNow = txid;
            } else {
                fd = spare.fd();
                nameNow = spare.name();
            }
            // The write alone: routed to a syscall (the default) it runs here, while in a chain it would take the fsyncs with it.
            int written = fs.writeOnce(fd, bytes, 0); // the record's bytes in the store's scratch memory, not a fresh arena
            if (written != bytes.length) throw NativeException.of("write", shown, written < 0 ? written : -Errno.EIO);
            if (spare != null) {
                if (spare.length() > bytes.length) {
                    fs.check(ring.callRaw(new Op().prepFtruncate(fd, bytes.length)), "ftruncate", shown); // no old bytes after the end line
                }
                // Step 4's name appears after its content is written; both are synced below, in one batch.
                fs.check(ring.callRaw(Op.renameat(journalFd, spare.name(), journalFd, txid, RENAME_NOREPLACE)), "renameat", shown);
                nameNow = txid;
            }
            openRecords.put(txid, new RecordFile(txid, fd, bytes.length));
            Op[] done = concat(withOps, sync.recordDone(fd));
            Map<String, Integer> dirs = new java.util.LinkedHashMap<>(withDirs);
            dirs.putAll(sync.recordDirs(journalFd));
            if (done.length + dirs.size() > 0) {
                sent[0] = true;
                int[] r = store.groupFlush.run(done, dirs); // the journal's fsync shared with concurrent records and flushes
                for (int i = 0; i < done.length; i++) fs.check(r[i], done[i].name(), done[i].path() != null ? done[i].path() : shown);
                int k = done.length;
                for (String d : dirs.keySet()) fs.check(r[k++], "fsync", d);
            }
            if (sync.tracksRemovals()) marks.synced(CommitMarks.JOURNAL_DIR, removalsBefore); // the journal fsync above started after those removals
        } catch (IOException | RuntimeException e) {
            openRecords.remove(txid);
            settleFailedWrite(txid, nameNow, fd, ranges, before);
            throw e;
        }
    }

    private static Op[] concat(Op[] a, Op[] b) {
        if (a.length == 0) return b;
        Op[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /**
     * Step 4 into this handle's {@link RecordLog}: one {@code pwrite} into an empty block, then
     * the log's {@code fdatasync}, one per flusher batch for every record in it (and no
     * directory fsync: the log's name was synced when it was created).
     */
    private void writeToLog(String txid, byte[] bytes, Collection<Integer> ranges, long[] before, Op[] withOps,
                            Map<String, Integer> withDirs, boolean[] sent) throws IOException {
        String shown = ".txring/journal/" + log.name;
        int block = -1;
        try {
            block = log.take();
            long removalsBefore = marks.removals(log.slot); // the log's fdatasync below starts after these removals
            int written = log.write(block, bytes);
            logBlocks.put(txid, block);
            if (written != RecordLog.BLOCK) throw NativeException.of("write", shown, written < 0 ? written : -Errno.EIO);
            Map<String, Integer> dirs = new java.util.LinkedHashMap<>(withDirs);
            if (sync.tracksRemovals()) dirs.put(log.key, log.fd()); // last: its result is the record's
            if (dirs.size() + withOps.length > 0) {
                sent[0] = true;
                int[] r = store.groupFlush.run(withOps, dirs); // shared with the batch's other records
                for (int i = 0; i < withOps.length; i++) fs.check(r[i], withOps[i].name(), withOps[i].path() != null ? withOps[i].path() : shown);
                int k = withOps.length;
                for (String d : dirs.keySet()) fs.check(r[k++], RecordLog.isLogKey(d) ? "fdatasync" : "fsync", d.isEmpty() ? "." : d);
                if (sync.tracksRemovals()) marks.synced(log.slot, removalsBefore);
            }
        } catch (IOException | RuntimeException e) {
            logBlocks.remove(txid);
            settleFailedLogWrite(txid, block, ranges, before, e);
            throw e;
        }
    }

    /**
     * As {@link #settleFailedWrite} for a record in the log: its block is zeroed and, when
     * durable, synced with an {@code fdatasync} of its own (not the shared one, which refuses a
     * log whose sync failed once: the zeros are a new write, so a sync that succeeds now does
     * cover them); if either fails the outcome is unknown and the block is kept for an adopter.
     */
    private void settleFailedLogWrite(String txid, int block, Collection<Integer> ranges, long[] before, Exception cause) throws IOException {
        if (block >= 0) {
            String shown = ".txring/journal/" + log.name;
            int r = log.clear(block);
            int s = r >= 0 && sync.tracksRemovals() ? ring.callRaw(Op.fdatasync(log.fd())) : 0;
            if (r < 0 || s < 0) {
                log.keep(block);
                inFlight.remove(txid); // an orphan now: whoever holds its locks next finishes or discards it
                CommitUnknownException u = new CommitUnknownException("commit record in " + shown + " could not be removed after a failed "
                        + "write; it may still be rolled forward", NativeException.of(r < 0 ? "write" : "fdatasync", shown, r < 0 ? r : s));
                u.addSuppressed(cause);
                throw u;
            }
            log.give(block);
        }
        int at = 0;
        for (int rg : ranges) marks.setRemoved(rg, before[at++]);
        inFlight.remove(txid);
    }

    /**
     * A record write failed before its commit point was confirmed: the record must not
     * survive to be replayed (its content may be whole in the page cache). Its file (named
     * {@code nameNow}, open as {@code fd}; none when -1) is closed and unlinked and, when
     * durable, the unlink synced; if either fails the outcome is unknown.
     */
    private void settleFailedWrite(String txid, String nameNow, int fd, Collection<Integer> ranges, long[] before) throws IOException {
        String shown = ".txring/journal/" + txid;
        if (fd >= 0) ring.callRaw(Op.close(fd));
        if (nameNow != null) {
            int r = ring.callRaw(Op.unlinkat(journalFd, nameNow, 0));
            int s = r >= 0 && sync.tracksRemovals() ? ring.callRaw(Op.fsync(journalFd)) : 0;
            if ((r < 0 && r != -Errno.ENOENT) || s < 0) {
                inFlight.remove(txid); // an orphan now: whoever holds its locks next finishes or discards it
                throw new CommitUnknownException("commit record " + shown + " could not be removed after a failed write; "
                        + "it may still be rolled forward", NativeException.of(r < 0 ? "unlinkat" : "fsync", shown, r < 0 ? r : s));
            }
        }
        int at = 0;
        for (int rg : ranges) marks.setRemoved(rg, before[at++]);
        inFlight.remove(txid);
    }

    /**
     * Step 6: removes the record (its steps are published and synced) and records the removal in
     * its ranges. The file is renamed aside as a spare for a later record — a removal like an
     * unlink (the name is gone; made durable by the next journal fsync), without freeing its
     * inode and blocks — or, past {@link #MAX_SPARES}, unlinked.
     */
    void remove(String txid, Collection<Integer> ranges) {
        remove(txid, ranges, ring);
    }

    /** As {@link #remove(String, Collection)}, its ops on {@code via} (the flusher's ring, for a deferred finish). */
    void remove(String txid, Collection<Integer> ranges, Ring via) {
        Integer block = logBlocks.remove(txid);
        if (block != null) {
            if (log.clear(block, via) < 0) { // cannot happen short of a broken filesystem: an orphan now, replay is a no-op
                log.keep(block);
                inFlight.remove(txid);
                return;
            }
            long g = marks.nextRemoval(log.slot); // after the zeroing: an fdatasync that reads a later count covers it
            for (int rg : ranges) marks.setRemoved(rg, g);
            inFlight.remove(txid);
            log.give(block); // the next record may overwrite it: its fdatasync then also makes this removal durable
            return;
        }
        RecordFile file = openRecords.remove(txid);
        boolean keep = file != null && !closing && spareCount.get() < MAX_SPARES;
        String spareName = txid + SPARE_SUFFIX;
        int r = keep ? via.callRaw(Op.renameat(journalFd, txid, journalFd, spareName, RENAME_NOREPLACE))
                : via.callRaw(Op.unlinkat(journalFd, txid, 0));
        if (r < 0 || !keep) {
            if (file != null) via.callRaw(Op.close(file.fd()));
        }
        if (r < 0) { // cannot happen short of a broken filesystem: leave it as an orphan, replay is a no-op now
            inFlight.remove(txid);
            return;
        }
        // Numbered even when this handle does not sync: a DURABLE handle on the same store must still see it unsynced.
        long g = marks.nextRemoval(CommitMarks.JOURNAL_DIR); // after the removal: a journal fsync that reads a later count covers it
        for (int rg : ranges) marks.setRemoved(rg, g);
        inFlight.remove(txid);
        if (keep) {
            spares.addLast(new RecordFile(spareName, file.fd(), file.length()));
            spareCount.incrementAndGet();
        }
    }

    /** Abandons an in-flight record after a failure past the commit point: from now on it is an orphan. */
    void abandon(String txid) {
        abandon(txid, ring);
    }

    /** As {@link #abandon(String)}, its close on {@code via} (the flusher's ring, for a deferred finish). */
    void abandon(String txid, Ring via) {
        Integer block = logBlocks.remove(txid);
        if (block != null) log.keep(block); // the record stays, for whoever adopts it; never written again by this handle
        RecordFile file = openRecords.remove(txid);
        if (file != null) via.callRaw(Op.close(file.fd())); // the record stays, for whoever adopts it
        inFlight.remove(txid);
    }

    /** At close, with no commit running: unlinks and closes the spares (a dead handle's are removed at the next lone open). */
    void close() {
        closing = true;
        for (RecordFile f; (f = spares.pollFirst()) != null; ) {
            ring.callRaw(Op.unlinkat(journalFd, f.name(), 0));
            ring.callRaw(Op.close(f.fd()));
        }
        for (RecordFile f : openRecords.values()) ring.callRaw(Op.close(f.fd()));
        openRecords.clear();
        if (log != null) log.close();
    }

    /**
     * Under the commit locks of {@code ranges}: the ranges whose words say an orphan record may
     * name them (PENDING while we hold the lock), for {@link #adopt}.
     */
    Set<Integer> orphansAmong(Collection<Integer> ranges) {
        Set<Integer> found = null;
        for (int r : ranges) {
            if (marks.get(r) == CommitMarks.PENDING) {
                if (found == null) found = new TreeSet<>();
                found.add(r);
            }
        }
        return found == null ? Set.of() : found;
    }

    /**
     * Under the commit locks of {@code ranges}, before a commit that writes no record publishes:
     * makes an earlier record's removal durable if one of these ranges may still bring it back.
     * Ensures: no record naming these paths can reappear after a crash once this commit is durable.
     */
    void syncRemovalsOf(Collection<Integer> ranges) throws IOException {
        syncRemovalsOf(ranges, -1);
    }

    /** As {@link #syncRemovalsOf(Collection)}, leaving out place {@code covered} (the caller's own sync covers it). */
    private void syncRemovalsOf(Collection<Integer> ranges, int covered) throws IOException {
        if (!sync.tracksRemovals()) return;
        Set<Integer> places = null;
        for (int r : ranges) {
            long w = marks.get(r);
            if (!marks.removalUnsynced(w) || CommitMarks.placeOf(w) == covered) continue;
            if (places == null) places = new TreeSet<>();
            places.add(CommitMarks.placeOf(w));
        }
        if (places == null) return;
        for (int place : places) {
            long before = marks.removals(place); // each sync below starts after these removals
            if (place == CommitMarks.JOURNAL_DIR) {
                groupSync.sync(DIR, journalFd);
            } else if (log != null && place == log.slot && log.fd() >= 0) {
                int[] r = store.groupFlush.run(NO_OPS, Map.of(log.key, log.fd())); // shared with this handle's records
                fs.check(r[0], "fdatasync", ".txring/journal/" + log.name);
            } else if (!syncLog(RecordLog.fileName(place))) {
                // Its holder synced it, then unlinked it at close (a lone open, the only other unlinker, cannot run now).
                if (marks.syncedRemovals(place) < before) {
                    throw new IOException(".txring/journal/" + RecordLog.fileName(place) + " is gone with a removal in it not synced");
                }
            }
            marks.synced(place, before);
        }
    }

    /** {@code fdatasync} of a log by name (another handle's; rare paths only); false if it does not exist. */
    private boolean syncLog(String logName) throws IOException {
        String shown = ".txring/journal/" + logName;
        int fd = ring.callRaw(FileOps.openOp(journalFd, logName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0));
        if (fd == -Errno.ENOENT) return false;
        fs.check(fd, "openat2", shown);
        int r = ring.callRaw(Op.fdatasync(fd));
        ring.callRaw(Op.close(fd));
        fs.check(r, "fdatasync", shown);
        return true;
    }

    /**
     * Before a transaction first reads {@code path}: if a record may name it, waits for a live
     * committer to finish, or finishes an orphan. Ensures no transaction reads a path an orphan
     * record names. The fast path is one read of shared memory.
     */
    /** Whether a record may name {@code path} (its range's word is PENDING): {@link #awaitSettled} has work to do. */
    boolean mayNamePending(String path) {
        return marks.get(LockTable.rangeOf(path)) == CommitMarks.PENDING;
    }

    void awaitSettled(String path) throws IOException {
        int r = LockTable.rangeOf(path);
        if (marks.get(r) != CommitMarks.PENDING) return;
        try (LockTable.Held held = locks.acquireRanges(new TreeSet<>(List.of(r)))) {
            if (marks.get(r) != CommitMarks.PENDING) return; // a live committer was at work: it is done
        }
        adopt(Set.of(r));
    }

    // ---- finishing orphans -------------------------------------------------------------------

    /**
     * Finishes every orphan record naming a path of {@code wanted} (every orphan when null),
     * discards torn records whose writer is gone, and clears PENDING words no record backs.
     * Called holding no commit lock; takes each record's locks itself, in order.
     */
    Report adopt(Set<Integer> wanted) throws IOException {
        int replayed = 0, dropped = 0, aside = 0;
        for (String name : names()) {
            Classified c = classify(name);
            if (c == null) continue; // removed meanwhile
            if (c.quarantined()) {
                aside++;
                continue;
            }
            CommitRecord rec = c.record();
            if (rec == null && isBlock(name)) continue; // a torn block is nothing; only its log's holder writes it again
            if (rec == null) {
                if (live(name)) continue; // still being written
                // Its writer is gone, so the file can no longer change: read it again, as the writer may have
                // completed it between our first read and its death.
                c = classify(name);
                if (c == null) continue;
                if (c.quarantined()) {
                    aside++;
                    continue;
                }
                rec = c.record();
                if (rec == null) {
                    if (unlinkQuietly(name)) dropped++; // torn, and its writer is gone: never a commit point
                    continue;
                }
            }
            TreeSet<Integer> ranges = LockTable.rangesOf(rec.paths());
            if (wanted != null && ranges.stream().noneMatch(wanted::contains)) continue;
            try (LockTable.Held held = locks.acquireRanges(ranges)) {
                Found now = read(name); // under the locks: a live committer would have removed it before releasing them
                CommitRecord still = now == null || now.problem() != null ? null : decodeAs(name, now.bytes());
                if (still == null || !java.util.Objects.equals(still.id(), rec.id())) continue; // gone, or a block reused since
                syncRecord(name); // its writer may have died before syncing it: durable before any step is published
                rollForward(still);
                finishRemoval(name);
                for (int r : ranges) marks.clear(r);
                replayed++;
            }
        }
        if (wanted != null) {
            for (int r : wanted) clearIfUnbacked(r);
        }
        adopted.addAndGet(replayed);
        discarded.addAndGet(dropped);
        return new Report(replayed, dropped, aside);
    }

    /** A PENDING word whose committer died before writing its record, or after removing it. */
    private void clearIfUnbacked(int range) throws IOException {
        try (LockTable.Held held = locks.acquireRanges(new TreeSet<>(List.of(range)))) {
            if (marks.get(range) != CommitMarks.PENDING) return;
            for (String name : names()) {
                Found found = read(name);
                CommitRecord rec = found == null || found.problem() != null ? null : decodeAs(name, found.bytes());
                if (rec != null && LockTable.rangesOf(rec.paths()).contains(range)) return; // adopt's next pass takes it
            }
            if (sync.tracksRemovals()) { // the dead committer may have removed its record without the removal being durable
                syncJournal();
                for (String n : entries()) if (RecordLog.slotOf(n) >= 0) syncLog(n);
            }
            marks.clear(range);
        }
    }

    /** Unlinks an adopted record and makes that durable, still under its locks. */
    private void finishRemoval(String name) throws IOException {
        if (isBlock(name)) {
            clearBlock(name, true);
            return;
        }
        int r = ring.callRaw(Op.unlinkat(journalFd, name, 0));
        if (r < 0 && r != -Errno.ENOENT) throw NativeException.of("unlinkat", ".txring/journal/" + name, r);
        if (sync.tracksRemovals()) syncJournal();
    }

    /** Makes a whole record found in the journal durable (data and name) before anything is published from it. */
    private void syncRecord(String name) throws IOException {
        if (!sync.tracksRemovals()) return;
        if (isBlock(name)) { // the log's name was synced by its holder before any record went into it
            syncLog(logOf(name));
            return;
        }
        String shown = ".txring/journal/" + name;
        int fd = fs.open(journalFd, name, O_RDONLY | O_NOFOLLOW, 0, shown);
        int r = ring.callRaw(Op.fdatasync(fd));
        ring.callRaw(Op.close(fd));
        fs.check(r, "fdatasync", shown);
        syncJournal();
    }

    /** One journal-directory fsync (not shared: rare paths only); every removal counted before it is then durable. */
    private void syncJournal() throws NativeException {
        long before = marks.removals(CommitMarks.JOURNAL_DIR);
        fs.check(ring.callRaw(Op.fsync(journalFd)), "fsync", ".txring/journal");
        marks.synced(CommitMarks.JOURNAL_DIR, before);
    }

    private boolean unlinkQuietly(String name) throws IOException {
        int r = ring.callRaw(Op.unlinkat(journalFd, name, 0));
        if (r == -Errno.ENOENT) return false;
        if (r == -Errno.EISDIR || r == -Errno.EPERM) { // not a record (a directory): never one of ours, never fatal
            LOG.log(System.Logger.Level.WARNING, "txring: .txring/journal/{0} is not a commit record; left alone", name);
            return false;
        }
        fs.check(r, "unlinkat", ".txring/journal/" + name);
        if (sync.tracksRemovals()) syncJournal();
        return true;
    }

    /** Whether the record's writer may still be working on it. */
    private boolean live(String name) throws NativeException {
        int dash = name.indexOf('-');
        int slot;
        try {
            slot = dash <= 0 ? -1 : Integer.parseInt(name.substring(0, dash));
        } catch (NumberFormatException e) {
            slot = -1;
        }
        if (slot < 0 || slot >= LockTable.OWNER_SLOTS) return false; // not a name a store writes: nobody's
        if (slot == ownerSlot) return inFlight.contains(name);
        return locks.ownerHeldElsewhere(slot);
    }

    // ---- the lone opener's side ---------------------------------------------------------------

    /**
     * At a lone open (no other handle has the store open, so no writer is live and no lock is
     * needed): rolls every whole record forward and discards every torn one.
     */
    Report replayAll() throws IOException {
        int replayed = 0, dropped = 0, aside = 0;
        removeSpares(); // dead handles' spares: never records, so no sync needed
        java.util.Map<String, CommitRecord> whole = new java.util.TreeMap<>();
        for (String name : names()) {
            Classified c = classify(name);
            if (c == null) continue;
            if (c.quarantined()) {
                aside++;
            } else if (c.record() != null) {
                whole.put(name, c.record());
            } else if (isBlock(name)) {
                dropped++; // torn: gone with its log below
            } else if (unlinkQuietly(name)) {
                dropped++; // torn: the transaction never reached its commit point
            }
        }
        syncRecords(whole.keySet()); // after a process crash they may be in the page cache only
        for (var e : whole.entrySet()) {
            rollForward(e.getValue());
            replayed++;
            if (!isBlock(e.getKey())) {
                fs.check(ring.callRaw(Op.unlinkat(journalFd, e.getKey(), 0)), "unlinkat", ".txring/journal/" + e.getKey());
            }
        }
        boolean logs = false;
        for (String n : entries()) { // every record in them is replayed: the logs go, each handle makes its own anew
            if (RecordLog.slotOf(n) < 0) continue;
            int r = ring.callRaw(Op.unlinkat(journalFd, n, 0));
            if (r == -Errno.EISDIR) continue; // not a log; classify quarantined or skipped it
            if (r != -Errno.ENOENT) fs.check(r, "unlinkat", ".txring/journal/" + n);
            logs = true;
        }
        if ((replayed + dropped > 0 || logs) && sync.tracksRemovals()) {
            fs.check(ring.callRaw(Op.fsync(journalFd)), "fsync", ".txring/journal");
        }
        return new Report(replayed, dropped, aside);
    }

    /** {@link #syncRecord} for several records at once: one submission, the fsyncs side by side (one per log). */
    private void syncRecords(java.util.Collection<String> names) throws IOException {
        if (!sync.tracksRemovals() || names.isEmpty()) return;
        List<Op> ops = new java.util.ArrayList<>();
        Set<String> logsSeen = new TreeSet<>();
        for (String name : names) {
            String file = isBlock(name) ? logOf(name) : name;
            if (!logsSeen.add(file)) continue;
            int fd = fs.open(journalFd, file, O_RDONLY | O_NOFOLLOW, 0, ".txring/journal/" + file);
            ops.add(Op.fdatasync(fd).describing(".txring/journal/" + file).hardLink()); // the close runs whatever it returns
            ops.add(Op.close(fd));
        }
        long before = marks.removals(CommitMarks.JOURNAL_DIR);
        ops.add(Op.fsync(journalFd).describing(".txring/journal"));
        int[] r = ring.callBatch(ops.toArray(Op[]::new));
        for (int i = 0; i < r.length; i++) fs.check(r[i], ops.get(i).name(), ops.get(i).path() != null ? ops.get(i).path() : ".txring/journal");
        marks.synced(CommitMarks.JOURNAL_DIR, before);
    }

    // ---- records in logs -----------------------------------------------------------------------

    /** Whether a scan name is a block of a log ({@code log-<slot>/<block>}), not a record file. */
    private static boolean isBlock(String name) {
        int at = name.lastIndexOf(AT);
        return at > 0 && RecordLog.slotOf(name.substring(0, at)) >= 0;
    }

    private static String logOf(String blockName) {
        return blockName.substring(0, blockName.lastIndexOf(AT));
    }

    private static long offsetOf(String blockName) {
        return Long.parseLong(blockName.substring(blockName.lastIndexOf(AT) + 1)) * RecordLog.BLOCK;
    }

    /** The record a block holds, as read (null: the block is empty, or the log is gone). */
    private Found readBlock(String name) throws IOException {
        String file = logOf(name), shown = ".txring/journal/" + file;
        int fd = ring.callRaw(FileOps.openOp(journalFd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0));
        if (fd == -Errno.ENOENT) return null;
        if (fd == -Errno.ELOOP || fd == -Errno.ENXIO) return new Found(null, "not a regular file");
        fs.check(fd, "openat2", shown);
        try {
            byte[] block = fs.readAt(fd, offsetOf(name), RecordLog.BLOCK, shown);
            byte[] content = RecordLog.content(block);
            return content.length == 0 ? null : new Found(content, null);
        } finally {
            ring.callRaw(Op.close(fd));
        }
    }

    /**
     * Zeroes a block of a log — one whose record was finished, or is not a record — and, if
     * {@code durable} and the policy syncs, syncs the log, so the removal holds before the
     * caller lets go of the record's locks. Only such blocks are written by anyone but the
     * log's holder, who never writes a block it did not find empty ({@link RecordLog}).
     */
    private void clearBlock(String name, boolean durable) throws IOException {
        String file = logOf(name), shown = ".txring/journal/" + file;
        int fd = ring.callRaw(FileOps.openOp(journalFd, file, O_WRONLY | O_NOFOLLOW | O_NONBLOCK, 0));
        if (fd == -Errno.ENOENT) return;
        fs.check(fd, "openat2", shown);
        try {
            int w = fs.writeOnce(fd, new byte[RecordLog.CLEARED], offsetOf(name));
            if (w != RecordLog.CLEARED) throw NativeException.of("write", shown, w < 0 ? w : -Errno.EIO);
            if (durable && sync.tracksRemovals()) fs.check(ring.callRaw(Op.fdatasync(fd)), "fdatasync", shown);
        } finally {
            ring.callRaw(Op.close(fd));
        }
    }

    // ---- replay --------------------------------------------------------------------------------

    /**
     * Applies each step of {@code rec} that is still due, then syncs the directories it
     * touched. A rename is due while its shadow exists and the target is still the version the
     * committer validated; a delete while the target is that version. Anything else was
     * published already or has been superseded (a shadow found beside a superseded target is
     * garbage and is removed). Idempotent, and never moves a path backwards.
     */
    void rollForward(CommitRecord rec) throws IOException {
        Map<String, Integer> open = new TreeMap<>();
        Set<String> targets = new TreeSet<>(), crossSources = new TreeSet<>();
        // A creates-only (early) record is published by links, and its shadows are unlinked only after the targets'
        // directories are synced: a crash in between must still find them (its committer returned, maybe long ago).
        boolean byLinks = rec.early();
        List<Integer> shadowDirfds = new java.util.ArrayList<>();
        List<String> shadowNames = new java.util.ArrayList<>();
        try {
            if (rec.early() && !settleEarly(rec, open)) return; // rolled back: it never committed
            for (CommitRecord.Step step : rec.steps()) {
                int dirfd = dirIfPresent(open, step.dir());
                if (dirfd < 0) continue; // nothing to publish into: the step cannot have mattered
                VersionStamp now = stampOrNull(dirfd, step.leaf(), step.path());
                switch (step.kind()) {
                    case REPLACE, CREATE -> {
                        int shadowDirfd = dirIfPresent(open, step.shadowDir());
                        if (shadowDirfd < 0) continue; // shadow directory gone: published before
                        VersionStamp shadow = stampOrNull(shadowDirfd, step.shadow(), step.path());
                        if (shadow == null || !shadow.exists()) continue; // published before
                        boolean due = step.seen() == null || (now != null && CommitRecord.sameVersion(step.seen(), now));
                        if (byLinks) { // published (or superseded) or not, the shadow goes only after the syncs below
                            shadowDirfds.add(shadowDirfd);
                            shadowNames.add(step.shadow());
                            if (!due) continue;
                            int r = ring.callRaw(new Op().prepLinkat(shadowDirfd, step.shadow(), dirfd, step.leaf(), 0));
                            if (r == -Errno.EEXIST || r == -Errno.ENOENT) continue; // created by someone else / gone meanwhile
                            fs.check(r, "linkat", step.path());
                            targets.add(step.dir());
                            continue;
                        }
                        if (!due) { // superseded: the shadow is garbage
                            ring.callRaw(Op.unlinkat(shadowDirfd, step.shadow(), 0));
                            continue;
                        }
                        int flags = step.seen() != null && !step.seen().exists() ? RENAME_NOREPLACE : 0;
                        int r = ring.callRaw(Op.renameat(shadowDirfd, step.shadow(), dirfd, step.leaf(), flags));
                        if (r == -Errno.EEXIST || r == -Errno.ENOENT) continue; // created by someone else / gone meanwhile
                        fs.check(r, "renameat", step.path());
                        targets.add(step.dir());
                        if (!step.shadowDir().equals(step.dir())) crossSources.add(step.shadowDir());
                    }
                    case DELETE -> {
                        boolean due = step.seen() == null ? now != null && now.exists()
                                : now != null && step.seen().exists() && CommitRecord.sameVersion(step.seen(), now);
                        if (!due) continue;
                        int r = ring.callRaw(Op.unlinkat(dirfd, step.leaf(), 0));
                        if (r == -Errno.ENOENT) continue;
                        fs.check(r, "unlinkat", step.path());
                        targets.add(step.dir());
                    }
                }
            }
            // Even a step found published may not be durable yet (its committer died before its directory fsync).
            for (CommitRecord.Step step : rec.steps()) {
                targets.add(step.dir());
                if (step.shadowDir() != null && !step.shadowDir().equals(step.dir())) crossSources.add(step.shadowDir());
            }
            if (sync.tracksRemovals()) {
                // A rename's arrival before its source's removal: targets that are not also sources first.
                Map<String, Integer> first = new TreeMap<>(), second = new TreeMap<>();
                for (String d : targets) if (open.containsKey(d)) (crossSources.contains(d) ? second : first).put(d, open.get(d));
                for (String d : crossSources) if (open.containsKey(d) && !first.containsKey(d)) second.put(d, open.get(d));
                for (var e : first.entrySet()) syncDir(e.getKey(), e.getValue());
                for (var e : second.entrySet()) syncDir(e.getKey(), e.getValue());
            }
            for (int i = 0; i < shadowNames.size(); i++) { // after the syncs: see byLinks
                int r = ring.callRaw(Op.unlinkat(shadowDirfds.get(i), shadowNames.get(i), 0));
                if (r < 0 && r != -Errno.ENOENT) fs.check(r, "unlinkat", shadowNames.get(i));
            }
        } finally {
            for (int fd : open.values()) if (fd >= 0 && fd != store.rootFd) ring.callRaw(Op.close(fd));
        }
    }

    private static String shown(String dir) {
        return dir.isEmpty() ? "." : dir;
    }

    /** Fsyncs directory {@code dir} for a roll-forward — never one whose fsync failed on this handle before (fsyncgate). */
    private void syncDir(String dir, int fd) throws IOException {
        if (groupSync.poisoned(dir)) {
            throw new IOException("fsync of directory \"" + shown(dir) + "\" failed earlier on this store handle; it is not trusted "
                    + "again, so the commit record naming it stays for the next lone open");
        }
        fs.check(ring.callRaw(Op.fsync(fd)), "fsync", shown(dir));
    }

    /**
     * For a record written before its shadows were durable ({@link CommitRecord#early}): checks
     * each create's shadow against the content the record names. A step is <em>written</em>
     * (its shadow is there, with that inode, size and CRC-32C), <em>published</em> (no shadow,
     * and the target is that inode) or <em>lost</em>. Publishing starts only after every shadow
     * was synced with the record, so a lost step with none published means the commit never
     * completed: every shadow is removed and false returned — the record is rolled back, not
     * forward. Otherwise (nothing lost, or something published: the lost ones were published and
     * changed since) a shadow that does not match is removed as garbage, and every matching one
     * is synced — its committer may have died before its sync — before anything is renamed.
     */
    private boolean settleEarly(CommitRecord rec, Map<String, Integer> open) throws IOException {
        boolean lost = false, published = false;
        List<CommitRecord.Step> written = new java.util.ArrayList<>(), garbage = new java.util.ArrayList<>();
        Map<Long, Boolean> matching = new java.util.HashMap<>(); // hard-linked shadows: one inode, checked once
        for (CommitRecord.Step step : rec.steps()) {
            CommitRecord.Content c = step.content();
            int shadowDirfd = dirIfPresent(open, step.shadowDir());
            VersionStamp sh = shadowDirfd < 0 ? null : stampOrNull(shadowDirfd, step.shadow(), step.path());
            if (sh != null && sh.exists()) {
                Boolean ok = sh.ino() == c.ino() && sh.size() == c.size() ? matching.get(sh.ino()) : Boolean.FALSE;
                if (ok == null) {
                    ok = crcOf(shadowDirfd, step.shadow(), step.path()) == c.crc();
                    matching.put(sh.ino(), ok);
                }
                if (ok) {
                    written.add(step);
                    continue;
                }
                garbage.add(step);
                lost = true;
                continue;
            }
            int dirfd = dirIfPresent(open, step.dir());
            VersionStamp target = dirfd < 0 ? null : stampOrNull(dirfd, step.leaf(), step.path());
            if (target != null && target.exists() && target.ino() == c.ino()) published = true;
            else lost = true;
        }
        if (lost && !published) garbage.addAll(written);
        for (CommitRecord.Step step : garbage) {
            int r = ring.callRaw(Op.unlinkat(open.get(step.shadowDir()), step.shadow(), 0));
            if (r < 0 && r != -Errno.ENOENT) fs.check(r, "unlinkat", step.path());
        }
        if (lost && !published) {
            LOG.log(System.Logger.Level.INFO, "txring store {0}: commit {1} never completed (a shadow was lost before anything was "
                    + "published); rolled back", store.root, rec.id());
            return false;
        }
        if (!sync.tracksRemovals()) return true;
        // As the committer would have before publishing: every shadow's data, then their names, durable.
        Set<Long> synced = new java.util.HashSet<>();
        Set<String> shadowDirs = new TreeSet<>();
        for (CommitRecord.Step step : written) {
            shadowDirs.add(step.shadowDir());
            if (!synced.add(step.content().ino())) continue;
            int fd = fs.open(open.get(step.shadowDir()), step.shadow(), O_RDONLY | O_NOFOLLOW, 0, step.path());
            int r = ring.callRaw(Op.fdatasync(fd));
            ring.callRaw(Op.close(fd));
            fs.check(r, "fdatasync", step.path());
        }
        for (String d : shadowDirs) fs.check(ring.callRaw(Op.fsync(open.get(d))), "fsync", shown(d));
        return true;
    }

    /** The CRC-32C of a shadow's whole content. */
    private long crcOf(int dirfd, String leaf, String shownAs) throws IOException {
        int fd = fs.open(dirfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0, shownAs);
        try {
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(fs.readAll(fd, 0, shownAs));
            return crc.getValue();
        } finally {
            ring.callRaw(Op.close(fd));
        }
    }

    /** The stamp of {@code leaf}; null when it is not a regular file (then no step applies to it). */
    private VersionStamp stampOrNull(int dirfd, String leaf, String shownAs) throws IOException {
        try {
            return fs.stamp(dirfd, leaf, shownAs);
        } catch (NativeException e) {
            throw e;
        } catch (IOException notRegular) {
            return null;
        }
    }

    /** The directory {@code dir} opened confined (cached in {@code open}), or -1 if it does not exist. */
    private int dirIfPresent(Map<String, Integer> open, String dir) throws NativeException {
        Integer fd = open.get(dir);
        if (fd != null) return fd;
        int r;
        if (dir.isEmpty()) {
            r = store.rootFd;
        } else {
            try {
                StorePath.of(dir); // a name read from disk passes the API's rules before the kernel sees it
                r = fs.openDir(store.rootFd, dir, dir);
            } catch (NativeException e) {
                if (e.errno() != Errno.ENOENT && e.errno() != Errno.ENOTDIR) throw e;
                r = -1;
            } catch (java.nio.file.InvalidPathException e) {
                r = -1;
            }
        }
        open.put(dir, r);
        return r;
    }

    // ---- files -----------------------------------------------------------------------------------

    /** Unlinks every spare in the journal (at a lone open: their handles are gone). */
    private void removeSpares() throws IOException {
        for (String n : entries()) {
            if (!n.endsWith(SPARE_SUFFIX)) continue;
            int r = ring.callRaw(Op.unlinkat(journalFd, n, 0));
            if (r < 0 && r != -Errno.ENOENT && r != -Errno.EISDIR) fs.check(r, "unlinkat", ".txring/journal/" + n);
        }
    }

    /** The journal's entries, spares left out (never records: see {@link #remove}). */
    private List<String> names() throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (String n : entries()) {
            if (n.endsWith(SPARE_SUFFIX)) continue;
            byte[] log = RecordLog.slotOf(n) >= 0 ? readLog(n) : null;
            if (log == null) { // a record file (or something posing as a log: read, and quarantined, as one)
                out.add(n);
                continue;
            }
            for (int b = 0; (long) b * RecordLog.BLOCK < log.length; b++) {
                if (log[b * RecordLog.BLOCK] != 0) out.add(n + AT + b);
            }
        }
        return out;
    }

    /** A log's bytes; null when it is not a regular file of a log's size (then it is handled as a record file would be). */
    private byte[] readLog(String name) throws IOException {
        String shown = ".txring/journal/" + name;
        try {
            VersionStamp st = fs.stamp(journalFd, name, shown); // lstat-like: refuses what is not a regular file
            if (!st.exists()) return new byte[0];
            if (st.size() > MAX_LOG_BYTES) return null;
        } catch (NativeException e) {
            throw e;
        } catch (IOException notRegular) {
            return null;
        }
        int fd = ring.callRaw(FileOps.openOp(journalFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0));
        if (fd == -Errno.ENOENT) return new byte[0];
        if (fd < 0) return null;
        try {
            byte[] all = fs.readAll(fd, 0, shown);
            return all.length > MAX_LOG_BYTES ? null : all;
        } catch (NativeException e) {
            if (e.errno() == Errno.EISDIR || e.errno() == Errno.EAGAIN) return null;
            throw e;
        } finally {
            ring.callRaw(Op.close(fd));
        }
    }

    /** Every entry of the journal directory, sorted. */
    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(store.root.resolve(".txring/journal"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /**
     * The record's bytes, or why the entry is not a record (not a regular file, or larger than
     * any record), or null if it is gone. Never follows a symlink, never blocks on a FIFO.
     */
    private Found read(String name) throws IOException {
        if (isBlock(name)) return readBlock(name);
        String shown = ".txring/journal/" + name;
        VersionStamp st;
        try {
            st = fs.stamp(journalFd, name, shown); // lstat-like: refuses what is not a regular file
        } catch (NativeException e) {
            throw e;
        } catch (IOException notRegular) {
            return new Found(null, "not a regular file");
        }
        if (!st.exists()) return null;
        if (st.size() > MAX_RECORD_BYTES) return new Found(null, st.size() + " bytes, more than any record");
        int fd = ring.callRaw(FileOps.openOp(journalFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0));
        if (fd == -Errno.ENOENT) return null;
        if (fd == -Errno.ELOOP || fd == -Errno.ENXIO) return new Found(null, "not a regular file"); // swapped meanwhile
        fs.check(fd, "openat2", shown);
        try {
            byte[] bytes = fs.readAll(fd, 0, shown);
            return bytes.length > MAX_RECORD_BYTES ? new Found(null, "grew past any record's size") : new Found(bytes, null);
        } catch (NativeException e) {
            if (e.errno() == Errno.EISDIR || e.errno() == Errno.EAGAIN) return new Found(null, "not a regular file");
            throw e;
        } finally {
            ring.callRaw(Op.close(fd));
        }
    }

    /**
     * Reads and sorts a journal entry; what cannot be a record a store wrote — not a regular
     * file, too large, or a valid checksum over malformed fields (a torn record never has one)
     * — goes to the quarantine. Null if the entry is gone.
     */
    private Classified classify(String name) throws IOException {
        Found found = read(name);
        if (found == null) return null;
        if (found.problem() != null) {
            if (isBlock(name)) return null; // its log was swapped meanwhile: the next scan meets it as a file
            return quarantine(name, found.problem()) ? new Classified(null, true) : null;
        }
        CommitRecord rec = CommitRecord.decode(found.bytes());
        if (rec != null && !writtenAs(name, rec)) return new Classified(null, false); // a reused file's old content: torn
        if (rec == null && CommitRecord.checksumValid(found.bytes())) {
            String why = "a valid checksum over fields that break the record format or the path rules";
            return (isBlock(name) ? quarantineBlock(name, found.bytes(), why) : quarantine(name, why)) ? new Classified(null, true) : null;
        }
        return new Classified(rec, false);
    }

    /** The record in {@code bytes} if it is whole and was written as {@code name} (else torn: null). */
    private static CommitRecord decodeAs(String name, byte[] bytes) {
        CommitRecord rec = CommitRecord.decode(bytes);
        return rec != null && writtenAs(name, rec) ? rec : null;
    }

    /**
     * Whether a whole record was written where it is found: a record file names itself (a reused
     * file's old content under a new name is not the record of that name); a record in a log
     * names a transaction of the log's slot.
     */
    private static boolean writtenAs(String name, CommitRecord rec) {
        if (isBlock(name)) return rec.id() != null && rec.id().startsWith(namePrefix(RecordLog.slotOf(logOf(name))));
        return rec.id() == null || rec.id().equals(name);
    }

    /**
     * {@link #quarantine} for a block of a log: its bytes are copied to {@code .txring/quarantine/}
     * (synced), then the block is zeroed. Such a block was never a record its holder wrote, so
     * its holder never writes it (it found it non-empty, {@link RecordLog}).
     */
    private boolean quarantineBlock(String name, byte[] bytes, String reason) throws IOException {
        int qfd = quarantineDir();
        try {
            String target = name.replace(AT, '@') + "." + System.currentTimeMillis();
            int fd = fs.open(qfd, target, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, 0600, ".txring/quarantine/" + target);
            try {
                fs.writeAll(fd, bytes, 0, ".txring/quarantine/" + target);
                if (sync.tracksRemovals()) fs.check(ring.callRaw(Op.fdatasync(fd)), "fdatasync", ".txring/quarantine/" + target);
            } finally {
                ring.callRaw(Op.close(fd));
            }
            if (sync.tracksRemovals()) fs.check(ring.callRaw(Op.fsync(qfd)), "fsync", ".txring/quarantine"); // the copy before the original goes
            clearBlock(name, true);
            LOG.log(System.Logger.Level.WARNING, "txring store {0}: block {1} of .txring/journal/{2} is {3}; copied to .txring/quarantine/{4}",
                    store.root, name.substring(name.lastIndexOf(AT) + 1), logOf(name), reason, target);
            return true;
        } finally {
            ring.callRaw(Op.close(qfd));
        }
    }

    /** {@code .txring/quarantine/} (0700, made if missing), opened: the caller closes it. */
    private int quarantineDir() throws IOException {
        int made = ring.callRaw(Op.mkdirat(store.rootFd, StorePath.META_DIR + "/quarantine", 0700));
        if (made < 0 && made != -Errno.EEXIST) fs.check(made, "mkdirat", ".txring/quarantine");
        return fs.openDir(store.rootFd, StorePath.META_DIR + "/quarantine", ".txring/quarantine");
    }

    /**
     * Moves a journal entry that is not a record we could have written to
     * {@code .txring/quarantine/} (0700), logged with the reason: never parsed, never fatal,
     * kept for someone to look at. The move is synced like a removal.
     */
    private boolean quarantine(String name, String reason) throws IOException {
        int qfd = quarantineDir();
        try {
            String target = name + "." + System.currentTimeMillis();
            int r = ring.callRaw(Op.renameat(journalFd, name, qfd, target, RENAME_NOREPLACE));
            if (r == -Errno.ENOENT) return false;
            fs.check(r, "renameat", ".txring/journal/" + name);
            if (sync.tracksRemovals()) {
                fs.check(ring.callRaw(Op.fsync(qfd)), "fsync", ".txring/quarantine"); // arrival before removal
                syncJournal();
            }
            LOG.log(System.Logger.Level.WARNING, "txring store {0}: .txring/journal/{1} is {2}; moved to .txring/quarantine/{3}",
                    store.root, name, reason, target);
            return true;
        } finally {
            ring.callRaw(Op.close(qfd));
        }
    }

    /** The owner-slot prefix of this handle's record names. */
    static String namePrefix(int slot) {
        return slot + "-";
    }

    /** For {@link Store#recover()}: this handle's own records that no thread is writing any more. */
    boolean hasOwnOrphans() throws IOException {
        String prefix = namePrefix(ownerSlot);
        for (String n : names()) if (n.startsWith(prefix) && !inFlight.contains(n)) return true;
        return log != null && log.holdsKept();
    }
}
