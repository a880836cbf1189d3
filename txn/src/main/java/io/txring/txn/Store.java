package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Op;
import io.txring.core.Ring;
import io.txring.uring.NativeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Files under one root directory, changed by {@link Transaction}s that land completely or
 * not at all — with any number of threads and processes on one store, any of them killed at
 * any instant. The design, with its state machine and proofs, is docs/COMMIT-PROTOCOL.md.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>A target file is never modified in place: changes go to a shadow file
 *       ({@code .txr-<txid>-<n>}) and are published by rename (a creates-only commit: by a
 *       hard link, the shadow unlinked once the target is durable), so readers see the old
 *       inode or the new one, never a mix.</li>
 *   <li>Every path is resolved beneath the root without following symlinks
 *       (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS).</li>
 *   <li>A shadow is synced before anything that depends on it is published (DURABLE).</li>
 *   <li>No commit publishes while another live commit holds a lock on any of its paths.</li>
 *   <li>A multi-path commit publishes nothing before its commit record is durable; after
 *       that, every step is published — by this commit, or by whoever finds the record
 *       orphaned (its committer dead or failed) before anyone reads, validates against or
 *       commits over a path it names ({@link Journal}).</li>
 *   <li>A record step is applied only while its target is still the version the commit
 *       validated: no replay, whenever it runs, moves a path backwards.</li>
 *   <li>A failed write or fsync fails the transaction; nothing is retried and then published.</li>
 *   <li>A failure after the commit point fails the store before that commit's locks are
 *       released; every commit checks that under its locks. {@link #recover()} (which
 *       {@link #begin()} tries by itself) finishes the commit and clears the failure.</li>
 * </ol>
 *
 * <h2>Commit protocol</h2> {@link CommitProtocol}, one method per step: 1 flush, 2 lock
 * (finishing orphans found under the locks), 3 validate, 4 commit record (the commit point,
 * only when more than one path changes), 5 publish, 6 finish. What a step syncs is the
 * {@link Durability}'s {@link SyncPolicy}.
 * With {@link StoreConfig#metadataSyscalls()} (the default) statx, openat2, renameat,
 * unlinkat, linkat, mkdirat and shadow writes run as plain syscalls on the committing
 * thread — where io_uring would hand them to a kernel worker — and so do the closes of a
 * transaction's directory fds ({@link io.txring.core.Ring#callHere}; a deferred finish closes
 * its own on the flusher's ring); the fsyncs and the shadows' closes go through the ring.
 *
 * <h2>Several processes</h2>
 * Each handle holds an owner slot in {@code .txring/lock} for as long as it is open; its
 * records are named after it, so a record's writer is known to be alive or dead exactly. Each
 * commit-lock range has a word in {@code .txring/marks}, a file every handle maps, that says
 * whether a record may name it ({@link CommitMarks}). A lone open — no other handle has the
 * store open — replays the whole journal and sweeps leftover shadows ({@link Recovery}).
 */
public final class Store implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Store.class.getName());
    final Path root;
    final Ring ring;
    final FileOps fs;
    final int rootFd;
    private final int lockFd;
    private final LockTable locks;
    private final GroupSync groupSync;
    final GroupFlush groupFlush;
    private final CommitMarks marks;
    final Journal journal;
    /** Where shadows may be: what a lone opener's sweep lists. */
    final ShadowDirectories shadowDirs;
    private final CommitProtocol protocol;
    private final StoreConfig config;
    private final int ownerSlot;
    private final String handleId;
    private final AtomicLong txCounter = new AtomicLong();
    private final AtomicLong attempts = new AtomicLong(), runWaitNanos = new AtomicLong(), runGaveUp = new AtomicLong(),
            recoveries = new AtomicLong(), reflinks = new AtomicLong();
    private final Recovery.Report recovery;
    /** The failure past a commit point that refuses commits until {@link #recover()} (null: healthy). */
    private final java.util.concurrent.atomic.AtomicReference<IOException> failed = new java.util.concurrent.atomic.AtomicReference<>();
    /** Commits, recoveries and first reads hold the read side; {@link #close()} takes the write side and waits for them. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock lifecycle = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private boolean closed;

    private Store(Path root, StoreConfig config) throws IOException {
        this.root = root;
        this.config = config;
        // Everything taken here is released if a later step fails: a half-open store must not keep the liveness lock.
        java.util.List<AutoCloseable> taken = new java.util.ArrayList<>();
        try {
            privateDirectories(root);
            this.ring = Ring.open(config.metadataSyscalls() ? config.ring().alsoAsSyscalls(FileOps.METADATA_OPCODES) : config.ring());
            taken.add(ring);
            this.fs = new FileOps(ring);
            this.groupSync = new GroupSync(ring);
            this.groupFlush = new GroupFlush(ring, groupSync, root.toString());
            taken.add(groupFlush);
            this.rootFd = ring.call(Op.openat(AT_FDCWD, root.toString(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
            taken.add(() -> ring.callRaw(Op.close(rootFd)));
            int journalFd = fs.openDir(rootFd, ".txring/journal", ".txring/journal");
            taken.add(() -> ring.callRaw(Op.close(journalFd)));
            int metaFd = fs.openDir(rootFd, ".txring", ".txring");
            try {
                this.lockFd = fs.open(metaFd, "lock", O_CREAT | O_RDWR, 0600, ".txring/lock"); // .txring is 0700: only its owner gets here
            } finally {
                ring.callRaw(Op.close(metaFd));
            }
            taken.add(() -> ring.callRaw(Op.close(lockFd))); // drops every OFD lock this handle took
            this.locks = new LockTable(ring, lockFd);
            locks.onContention(groupFlush::hurry); // a range may be held by one of our deferred finishes: finish those now
            this.ownerSlot = locks.claimOwnerSlot(ThreadLocalRandom.current().nextInt(LockTable.OWNER_SLOTS));
            this.handleId = ownerSlot + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
            boolean lone;
            CommitMarks m;
            long giveUp = System.nanoTime() + 60_000_000_000L;
            for (int round = 0; ; round++) {
                if (locks.tryExclusive()) {
                    lone = true;
                    // Alone: the words start from zero (they may be a crashed machine's); the full replay needs none.
                    m = CommitMarks.open(this, true);
                    break;
                }
                locks.holdShared(); // waits out a lone opener's recovery before reading the words it resets
                m = CommitMarks.open(this, false);
                if (m.recovered()) {
                    lone = false;
                    break;
                }
                // The lone opener before us died or failed mid-replay: orphans the zeroed words do not show remain,
                // so the replay must be redone by someone alone. Every handle here is in this loop: one will be.
                m.close();
                locks.releaseLiveness();
                if (System.nanoTime() - giveUp > 0) {
                    throw new IOException("store " + root + ": its recovery was interrupted and no handle could redo it alone for 60 s");
                }
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(1_000_000, 1_000_000L * Math.min(round + 2, 50)));
            }
            this.marks = m;
            taken.add(marks);
            SyncPolicy sync = SyncPolicy.of(config.durability());
            this.shadowDirs = new ShadowDirectories(this, sync);
            taken.add(shadowDirs);
            this.journal = new Journal(this, journalFd, marks, locks, sync, groupSync, ownerSlot);
            this.protocol = new CommitProtocol(this, journal, locks, sync, groupSync);
            if (lone) {
                this.recovery = Recovery.run(this, journal, shadowDirs); // nobody else has the store open: replay and sweep
                marks.markRecovered(); // only now may a handle that opens beside this one trust the words
                locks.holdShared(); // downgrades the exclusive hold: others may open now
            } else {
                this.recovery = null; // others have it open: orphans are finished as they are found
            }
        } catch (IOException | RuntimeException e) {
            for (int i = taken.size() - 1; i >= 0; i--) {
                try {
                    taken.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Creates {@code .txring/} and {@code .txring/journal/} 0700 — asked for explicitly, so no
     * umask widens them — and narrows them to 0700 if an older version made them wider: other
     * users must not read records, nor lock {@code .txring/lock} (a shared lock on its bytes
     * would block every commit).
     */
    private static void privateDirectories(Path root) throws IOException {
        var owner = java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");
        Files.createDirectories(root);
        for (Path d : new Path[] {root.resolve(StorePath.META_DIR), root.resolve(StorePath.META_DIR + "/journal")}) {
            try {
                Files.createDirectory(d, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(owner));
            } catch (java.nio.file.FileAlreadyExistsException exists) {
                if (Files.isSymbolicLink(d)) throw new IOException(d + " is a symbolic link; the store refuses it");
            }
            if (!Files.getPosixFilePermissions(d, java.nio.file.LinkOption.NOFOLLOW_LINKS).equals(owner)) {
                Files.setPosixFilePermissions(d, owner);
            }
        }
    }

    /** Opens (creating if needed) the store at {@code root}, recovering it first when no other process has it open. */
    public static Store open(Path root, StoreConfig config) throws IOException {
        return new Store(root.toAbsolutePath().normalize(), config);
    }

    public static Store open(Path root) throws IOException {
        return open(root, StoreConfig.defaults());
    }

    public Path root() { return root; }

    /*
     * No ring() accessor: ops submitted on the store's ring would skip its path confinement and
     * its commit locks. What callers need of it is here instead.
     */

    /** What the store's ring runs on (backend, mode, setup flags), for logs. */
    public String describeRing() { return ring.describe(); }

    /** The store's ring backend: io_uring, or the blocking fallback (with {@link #describeRing()} saying why). */
    public io.txring.core.Backend ringBackend() { return ring.backend(); }

    /** The store's ring mode. */
    public io.txring.core.Mode ringMode() { return ring.mode(); }

    /** The counters of both rings of this handle: the store's own and its flusher's (group commit's fsyncs and closes). */
    public io.txring.core.RingMetrics ringMetrics() {
        return groupFlush.ringMetrics(ring.metrics());
    }

    public StoreConfig config() { return config; }

    /** What recovery did at open: records replayed and discarded, shadows removed; null if it was skipped. */
    public String recoverySummary() {
        return recovery == null ? "skipped: another process has the store open"
                : recovery.recordsReplayed() + " commit records replayed, " + recovery.recordsDiscarded()
                        + " torn records discarded, " + recovery.shadowsRemoved() + " orphan shadows removed"
                        + (recovery.recordsQuarantined() > 0 ? ", " + recovery.recordsQuarantined()
                                + " malformed entries moved to .txring/quarantine" : "");
    }

    public StoreMetrics metrics() {
        return new StoreMetrics(protocol.commits.get(), protocol.conflicts.get(), attempts.get(), protocol.failures.get(),
                groupFlush.requests.get(), groupFlush.submissions.get(),
                groupSync.requests.get() + groupFlush.dirFsyncsAsked.get(), groupSync.fsyncs.get() + groupFlush.dirFsyncs.get(),
                runWaitNanos.get(), runGaveUp.get(), journal.adopted.get(), journal.discarded.get(), recoveries.get(), reflinks.get(),
                protocol.timings.snapshot());
    }

    /** A shadow got its content by sharing extents (FICLONE), not by a copy. */
    void countReflink() {
        reflinks.incrementAndGet();
    }

    /**
     * A new transaction; close or commit it. If an earlier commit failed after its commit
     * point, this first tries {@link #recover()} and throws {@link StoreFailedException} if
     * that fails.
     */
    public Transaction begin() throws IOException {
        return begin(1);
    }

    private Transaction begin(int attempt) throws IOException {
        if (failed.get() != null) recover();
        return new Transaction(this, handleId + "-" + Long.toHexString(txCounter.incrementAndGet()), attempt);
    }

    /**
     * Runs {@code body} in a transaction and commits it, retrying on conflict until it commits
     * or {@link StoreConfig#runTimeout()} has passed (or {@link StoreConfig#maxAttempts()} tries,
     * if set), with exponential backoff and full jitter between tries. The body may run more
     * than once; {@link Transaction#attempt()} says which run it is. Other failures are not
     * retried.
     *
     * @throws ConflictException the last conflict, when the deadline or the attempt cap was reached
     */
    public <T> T run(TxFunction<T> body) throws IOException {
        long start = System.nanoTime();
        long deadline = start + config.runTimeout().toNanos();
        long base = Math.max(1, config.backoff().toNanos()), backoff = base;
        for (int attempt = 1; ; attempt++) {
            attempts.incrementAndGet();
            try (Transaction tx = begin(attempt)) {
                T result = body.apply(tx);
                tx.commit();
                return result;
            } catch (ConflictException e) {
                long now = System.nanoTime();
                if (attempt >= config.maxAttempts() || now - deadline >= 0) {
                    runGaveUp.incrementAndGet();
                    e.addSuppressed(new IOException("store.run gave up after " + attempt + " attempts in "
                            + (now - start) / 1_000_000 + " ms (runTimeout " + config.runTimeout() + ", maxAttempts "
                            + config.maxAttempts() + ")"));
                    throw e;
                }
                // Full jitter: colliding retriers spread over the whole window instead of meeting again at its edge.
                long sleep = Math.min(ThreadLocalRandom.current().nextLong(backoff + 1), deadline - now);
                if (sleep > 0) {
                    LockSupport.parkNanos(sleep);
                    runWaitNanos.addAndGet(sleep);
                }
                backoff = Math.min(backoff * 2, base * 100);
            }
        }
    }

    /**
     * Finishes what failed commits of this handle left (and any other orphan record), then
     * clears the failed state. A no-op on a healthy store. Safe while other threads commit:
     * each record is finished under its own paths' commit locks.
     *
     * @throws StoreFailedException the records could not be finished; the store stays failed
     */
    public synchronized void recover() throws IOException {
        enter();
        try {
            IOException f = failed.get();
            if (f == null && !journal.hasOwnOrphans()) return;
            try {
                Journal.Report r = journal.adopt(null);
                LOG.log(System.Logger.Level.INFO, "txring store {0}: recovered ({1} records finished, {2} torn records discarded)",
                        root, r.replayed(), r.discarded());
            } catch (IOException e) {
                throw new StoreFailedException("store " + root + " could not finish the commit that failed after its commit point"
                        + (f != null ? ": " + f.getMessage() : ""), f != null ? f : e);
            }
            // Only the failure this recovery saw: one that struck meanwhile (after adopt listed the journal) stays.
            if (f != null && failed.compareAndSet(f, null)) recoveries.incrementAndGet();
        } finally {
            exit();
        }
    }

    /** Holds off {@link #close()} while a commit, a recovery or a first read's settling runs. */
    void enter() {
        lifecycle.readLock().lock();
        if (closed) {
            lifecycle.readLock().unlock();
            throw new IllegalStateException("store " + root + " is closed");
        }
    }

    void exit() {
        lifecycle.readLock().unlock();
    }

    /** Why this handle is failed, or null. */
    IOException failure() {
        return failed.get();
    }

    /**
     * Called under the failed commit's locks, before they are released (invariant 8) — or, for a
     * deferred finish whose directory fsync failed, by the flusher before it releases them.
     */
    void fail(IOException cause) {
        failed.compareAndSet(null, cause); // the first failure is the one to report; recover() finishes them all
    }

    /** Called by every commit under its locks. */
    void refuseIfFailed() throws StoreFailedException {
        IOException f = failed.get();
        if (f != null) throw new StoreFailedException("store " + root + " failed after a commit point (" + f.getMessage()
                + "); Store.recover() finishes that commit", f);
    }

    /**
     * Creates directory {@code dir} (relative to the root) and its missing parents, each with
     * mkdirat beneath the root, never through a symlink (one in the way is refused, ELOOP).
     * When DURABLE, the parent of each new directory is fsynced so the directory outlives a
     * crash. Directories are not transactional: an empty one left behind is harmless.
     */
    public void createDirectories(String dir) throws IOException {
        String[] parts = StorePath.of(dir).path().split("/");
        boolean durable = config.durability() == Durability.DURABLE; // not a commit: no record, no SyncPolicy step
        int cur = rootFd;
        String sofar = "";
        try {
            for (String part : parts) {
                String next = sofar.isEmpty() ? part : sofar + "/" + part;
                int r = ring.callRaw(Op.mkdirat(cur, part, config.directoryMode()));
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

    /** The commit protocol ({@link CommitProtocol}); called by {@link Transaction#commit()}. */
    void commit(Transaction tx) throws IOException {
        enter();
        try {
            protocol.commit(tx);
        } finally {
            exit();
        }
    }

    /** Waits until every commit of this handle that returned before its last step has finished it (docs: "Deferred finish"). */
    void settleDeferred() {
        groupFlush.settle();
    }

    /** For a first read: finishes an orphan that names {@code path} ({@link Journal#awaitSettled}). */
    void settleBeforeRead(String path) throws IOException {
        if (!journal.mayNamePending(path)) return; // the common case: one read of shared memory, no lock
        enter();
        try {
            journal.awaitSettled(path);
        } finally {
            exit();
        }
    }

    /**
     * Closes the store: waits for running commits (their locks are this handle's), then drops
     * this handle's locks and owner slot. Idempotent.
     */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
        } finally {
            lifecycle.writeLock().unlock();
        }
        groupFlush.settle(); // deferred finishes first: they still use the journal, the marks and the locks
        journal.close();
        marks.close();
        shadowDirs.close();
        groupFlush.close(); // no commit runs now (the write lock above): it has nothing queued
        ring.callRaw(Op.close(lockFd)); // drops this handle's OFD locks, its owner slot among them
        ring.callRaw(Op.close(journal.journalFd));
        ring.callRaw(Op.close(rootFd));
        ring.close();
    }
}
