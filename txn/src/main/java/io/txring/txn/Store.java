package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Op;
import io.txring.core.Ring;
import io.txring.uring.NativeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Files under one root directory, changed by {@link Transaction}s that land completely or
 * not at all.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>A target file is never modified in place: changes go to a shadow file
 *       ({@code .txr-<txid>-<n>}) in the target's own directory and are published by
 *       rename, so readers see the old inode or the new one, never a mix.</li>
 *   <li>Every path is resolved beneath the root without following symlinks
 *       (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS).</li>
 *   <li>A shadow is synced before anything that depends on it is published (DURABLE).</li>
 *   <li>No commit publishes while another commit holds a lock on any of its paths.</li>
 *   <li>A multi-path commit publishes nothing before its commit record is durable; after
 *       that, every step is published, by this commit or by recovery.</li>
 *   <li>A failed write or fsync fails the transaction; nothing is retried and then published.</li>
 *   <li>An I/O error after the commit point puts the store in a failed state that refuses
 *       new transactions until it is reopened (and recovery completes the commit).</li>
 * </ol>
 *
 * <h2>Commit protocol</h2> (each step batched into as few ring submissions as its data dependencies allow)
 * <ol>
 *   <li><b>flush</b> — fdatasync every shadow, close it: one submission, shared with the
 *       flushes of concurrent commits ({@link GroupFlush}). A commit that will write a record
 *       (step 4) also fsyncs the directories holding its shadows in that submission: a crash
 *       after the commit point must find every shadow to roll forward, and a name is durable
 *       only once its directory is. Ensures invariant 3.</li>
 *   <li><b>lock</b> — in-process locks, then OFD byte-range locks on {@code .txring/lock},
 *       in sorted order. Ensures invariant 4 across threads and processes.</li>
 *   <li><b>validate</b> — statx every path read or written; any stamp that differs from
 *       the one first seen refuses the commit ({@link ConflictException}). Serializability.</li>
 *   <li><b>commit record</b> — only when more than one path changes: create
 *       {@code .txring/journal/<txid>} and write it, then one submission: fdatasync + close
 *       it (hard-linked) beside an fsync of the journal directory. The commit point
 *       (invariant 5).</li>
 *   <li><b>publish</b> — renameat each shadow over its target ({@code RENAME_NOREPLACE}
 *       for creates), unlinkat deletes, in one batch; then fsync every touched directory,
 *       each fsync shared with concurrent commits ({@link GroupSync}). A single change goes
 *       out linked to its directory's fsync, one round trip, when no fsync of that directory
 *       is running ({@link GroupSync#changeThenSync}).</li>
 *   <li><b>finish</b> — remove the commit record, release the locks.</li>
 * </ol>
 * With {@link StoreConfig#metadataSyscalls()} (the default) statx, openat2, renameat,
 * unlinkat, linkat, mkdirat and shadow writes run as plain syscalls on the committing
 * thread — where io_uring would hand them to a kernel worker — and the fsyncs and closes
 * above go through the ring.
 * {@link Durability#CONSISTENT} skips every fsync of the list above.
 */
public final class Store implements AutoCloseable {
    final Path root;
    final Ring ring;
    final FileOps fs;
    final int rootFd;
    final int journalFd;
    private final int lockFd;
    private final LockTable locks;
    private final GroupSync groupSync;
    final GroupFlush groupFlush;
    /** Paths of commit records removed since the journal directory's last fsync. */
    private final java.util.Set<String> unsyncedRemovals = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final StoreConfig config;
    private final String storeId = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    private final AtomicLong txCounter = new AtomicLong();
    private final AtomicLong commits = new AtomicLong(), conflicts = new AtomicLong(), attempts = new AtomicLong(), failures = new AtomicLong();
    private final Recovery.Report recovery;
    private volatile IOException failed;

    private Store(Path root, StoreConfig config) throws IOException {
        this.root = root;
        this.config = config;
        Files.createDirectories(root.resolve(".txring/journal"));
        this.ring = Ring.open(config.metadataSyscalls() ? config.ring().alsoAsSyscalls(FileOps.METADATA_OPCODES) : config.ring());
        this.fs = new FileOps(ring);
        this.groupSync = new GroupSync(ring);
        this.groupFlush = new GroupFlush(ring);
        this.rootFd = ring.call(Op.openat(AT_FDCWD, root.toString(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
        this.journalFd = fs.openDir(rootFd, ".txring/journal", ".txring/journal");
        int metaFd = fs.openDir(rootFd, ".txring", ".txring");
        this.lockFd = fs.open(metaFd, "lock", O_CREAT | O_RDWR, 0644, ".txring/lock");
        ring.callRaw(Op.close(metaFd));
        this.locks = new LockTable(lockFd);
        if (locks.tryExclusive()) {
            this.recovery = Recovery.run(this); // nobody else has the store open: safe to replay and sweep
        } else {
            this.recovery = null; // another process has it open (and recovered it when it opened)
        }
        locks.holdShared();
    }

    /** Opens (creating if needed) the store at {@code root}, recovering it first when no other process has it open. */
    public static Store open(Path root, StoreConfig config) throws IOException {
        return new Store(root.toAbsolutePath().normalize(), config);
    }

    public static Store open(Path root) throws IOException {
        return open(root, StoreConfig.defaults());
    }

    public Path root() { return root; }

    public Ring ring() { return ring; }

    public StoreConfig config() { return config; }

    /** What recovery did at open: records replayed and discarded, shadows removed; null if it was skipped. */
    public String recoverySummary() {
        return recovery == null ? "skipped: another process has the store open"
                : recovery.recordsReplayed() + " commit records replayed, " + recovery.recordsDiscarded()
                        + " torn records discarded, " + recovery.shadowsRemoved() + " orphan shadows removed";
    }

    public StoreMetrics metrics() {
        return new StoreMetrics(commits.get(), conflicts.get(), attempts.get(), failures.get(),
                groupFlush.requests.get(), groupFlush.submissions.get(), groupSync.requests.get(), groupSync.fsyncs.get());
    }

    /** A new transaction; close or commit it. */
    public Transaction begin() throws IOException {
        return begin(1);
    }

    private Transaction begin(int attempt) throws IOException {
        IOException f = failed;
        if (f != null) throw new IOException("store " + root + " failed after a commit point; reopen it to recover", f);
        return new Transaction(this, storeId + "-" + Long.toHexString(txCounter.incrementAndGet()), attempt);
    }

    /**
     * Runs {@code body} in a transaction and commits it, retrying on conflict with bounded
     * exponential backoff (at most {@link StoreConfig#maxAttempts()} tries). The body may
     * run more than once; {@link Transaction#attempt()} says which run it is.
     */
    public <T> T run(TxFunction<T> body) throws IOException {
        long backoff = config.backoff().toNanos();
        for (int attempt = 1; ; attempt++) {
            attempts.incrementAndGet();
            try (Transaction tx = begin(attempt)) {
                T result = body.apply(tx);
                tx.commit();
                return result;
            } catch (ConflictException e) {
                if (attempt >= config.maxAttempts()) throw e;
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1));
                backoff = Math.min(backoff * 2, config.backoff().toNanos() * 100);
            }
        }
    }

    /**
     * Creates directory {@code dir} (relative to the root) and its missing parents, each with
     * mkdirat beneath the root, never through a symlink (one in the way is refused, ELOOP).
     * When DURABLE, the parent of each new directory is fsynced so the directory outlives a
     * crash. Directories are not transactional: an empty one left behind is harmless.
     */
    public void createDirectories(String dir) throws IOException {
        String[] parts = StorePath.of(dir).path().split("/");
        boolean durable = config.durability() == Durability.DURABLE;
        int cur = rootFd;
        String sofar = "";
        try {
            for (String part : parts) {
                String next = sofar.isEmpty() ? part : sofar + "/" + part;
                int r = ring.callRaw(Op.mkdirat(cur, part, 0755));
                if (r < 0 && r != -io.txring.uring.generated.Errno.EEXIST) throw NativeException.of("mkdirat", next, r);
                if (r == 0 && durable) groupSync.sync(sofar, cur); // the new name is durable once its parent is
                int child = fs.open(cur, part, O_RDONLY | O_DIRECTORY, 0, next);
                if (cur != rootFd) ring.callRaw(Op.close(cur));
                cur = child;
                sofar = next;
            }
        } finally {
            if (cur != rootFd) ring.callRaw(Op.close(cur));
        }
    }

    /** The commit protocol (see the class comment); called by {@link Transaction#commit()}. */
    void commit(Transaction tx) throws IOException {
        boolean durable = config.durability() == Durability.DURABLE;
        try {
            tx.flush(durable);                                           // 1. flush
            try (LockTable.Held held = locks.acquire(tx.paths())) {      // 2. lock
                try {
                    tx.validate();                                       // 3. validate
                } catch (ConflictException e) {
                    conflicts.incrementAndGet();
                    throw e;
                }
                if (tx.readOnly()) {
                    commits.incrementAndGet();
                    return;
                }
                CommitRecord record = tx.record();
                boolean journaled = record.steps().size() > 1;
                if (durable && !journaled && tx.paths().stream().anyMatch(unsyncedRemovals::contains)) {
                    syncJournal(); // an earlier record naming these paths must not survive a crash
                }
                if (journaled) writeRecord(tx.id, record, durable);      // 4. commit record: the commit point
                tx.pastCommitPoint = journaled;
                if (durable && !journaled) {                             // 5. publish the one change + sync, linked
                    try {
                        tx.publishOne(groupSync); // a failed rename throws as it is: nothing was published
                    } catch (Transaction.DurabilityUnknown e) {
                        throw new CommitUnknownException("published " + tx.id + " but could not make it durable", e.getCause());
                    }
                } else {
                    java.util.List<Map<String, Integer>> dirs;
                    try {
                        dirs = tx.publish();                             // 5. publish
                    } catch (IOException e) {
                        if (!journaled) throw e; // the single rename failed: nothing was published
                        failed = e; // recovery must finish this commit: refuse new work until reopened
                        throw new CommitUnknownException("publishing " + tx.id + " failed after its commit point; "
                                + "reopen the store to let recovery complete it", e);
                    }
                    if (durable) {
                        try {
                            for (Map<String, Integer> stage : dirs) syncDirs(stage);
                        } catch (IOException e) {
                            if (journaled) failed = e;
                            throw new CommitUnknownException("published " + tx.id + " but could not make it durable", e);
                        }
                    }
                    finish(tx, journaled);                               // 6. finish
                }
            }
            commits.incrementAndGet();
        } catch (ConflictException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            throw e;
        }
    }

    /** Step 6: removes the commit record (the locks are released by the caller). */
    private void finish(Transaction tx, boolean journaled) {
        if (!journaled) return;
        // Lazy: the removal becomes durable with the next journal fsync. Until then a later
        // commit on these paths syncs the journal first, so a crash can never replay this
        // record over that commit's work. Unlinked before it is listed: a journal fsync that
        // clears the list must start after the removal (both under this commit's locks, so no
        // commit on these paths looks at the list in between).
        ring.callRaw(Op.unlinkat(journalFd, tx.id, 0));
        unsyncedRemovals.addAll(tx.paths());
    }

    private void writeRecord(String txid, CommitRecord record, boolean durable) throws IOException {
        String shown = ".txring/journal/" + txid;
        int fd = fs.open(journalFd, txid, O_CREAT | O_EXCL | O_WRONLY, 0644, shown);
        try {
            try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                byte[] bytes = record.encode();
                java.lang.foreign.MemorySegment buf = a.allocate(bytes.length);
                buf.copyFrom(java.lang.foreign.MemorySegment.ofArray(bytes));
                // The write alone: routed to a syscall (the default) it runs here, while in a chain it would take the fsyncs with it.
                int written = ring.callRaw(Op.write(fd, buf, 0));
                if (written != bytes.length) { // failed, or short: a torn record must not stay
                    ring.callRaw(Op.close(fd));
                    throw NativeException.of("write", shown, written < 0 ? written : -io.txring.uring.generated.Errno.EIO);
                }
                // One submission: fdatasync then close (hard-linked: the close runs whatever the sync returns) and,
                // beside them, the journal directory's fsync (the record's name was made by the open above).
                java.util.Set<String> removalsBefore = java.util.Set.copyOf(unsyncedRemovals);
                Op[] ops = durable ? new Op[] {Op.fdatasync(fd).hardLink(), Op.close(fd), Op.fsync(journalFd).describing(".txring/journal")}
                        : new Op[] {Op.close(fd)};
                int[] r = ring.callBatch(ops);
                if (durable) {
                    fs.check(r[0], "fdatasync", shown);
                    fs.check(r[2], "fsync", ".txring/journal");
                    unsyncedRemovals.removeAll(removalsBefore); // their removals were durable with that fsync too
                }
            }
        } catch (IOException e) {
            // Not committed: the record must not survive to be replayed (its content may be whole in the page cache).
            int r = ring.callRaw(Op.unlinkat(journalFd, txid, 0));
            if (r < 0 && r != -io.txring.uring.generated.Errno.ENOENT) {
                failed = e;
                e.addSuppressed(NativeException.of("unlinkat", shown, r));
            }
            throw e;
        }
    }

    /** Syncs the journal directory: this commit's record, and every record removal before it. */
    private void syncJournal() throws IOException {
        java.util.Set<String> before = java.util.Set.copyOf(unsyncedRemovals);
        groupSync.sync(StorePath.META_DIR + "/journal", journalFd);
        unsyncedRemovals.removeAll(before);
    }

    /** Group commit: the directories' fsyncs go out in one submission, each shared with concurrent commits. */
    private void syncDirs(Map<String, Integer> dirs) throws IOException {
        groupSync.syncAll(dirs);
    }

    @Override
    public void close() {
        ring.callRaw(Op.close(lockFd)); // drops this process's OFD locks
        ring.callRaw(Op.close(journalFd));
        ring.callRaw(Op.close(rootFd));
        ring.close();
    }
}
