package io.txring.txn;

import io.txring.core.Backend;
import io.txring.core.Mode;
import io.txring.core.Op;
import io.txring.core.Ring;
import io.txring.core.RingConfig;
import io.txring.uring.generated.uring_h;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for step 1 (flush) and step 4 (the record's sync): the fdatasyncs of
 * concurrent commits go to the kernel in one submission. While one submission is in flight,
 * later commits queue; when it completes, everything that queued meanwhile goes at once.
 * Each commit still gets its own results: one commit's failed fdatasync fails only it.
 *
 * <p>The directory fsyncs the commits ask for ride in the same submission, <em>once per
 * directory</em> however many commits asked: every commit in a batch made its entries before
 * it queued, so one fsync that starts after the batch closed covers them all. Each such fsync
 * also serves {@link GroupSync}'s waiters on that directory, and a directory GroupSync found
 * failing is never fsynced again (fsyncgate): its askers get that failure. A handle's
 * {@link RecordLog} is synced the same way (once per batch, with {@code fdatasync}): every
 * record in the batch was written before its commit queued.
 *
 * <p>One platform thread, the <em>flusher</em>, submits every batch on a ring of its own
 * ({@link Mode#SINGLE_ISSUER}: it submits and waits for the whole batch in the kernel, with no
 * reaper between). A committer hands its request over and parks once; the flusher wakes it
 * with its results. Before, the first committer of a batch led it on the store's shared ring:
 * each batch then cost a wake of the reaper, a hop back to the leader and a hop to each joiner,
 * and io_uring's kernel workers — owned per submitting thread — woke idle carrier threads to
 * manage themselves (measured in docs/BENCHMARKS.md, issue 14 §1). Where io_uring is not
 * running, the flusher uses the store's ring.
 *
 * <p><em>Deferred finishes</em> ({@link #defer}): a commit that returned before its target
 * directories were synced leaves them here with what to do once they are (docs/COMMIT-PROTOCOL.md,
 * "Deferred finish"). They wait until {@link #FINISH_BATCH} are pending, the oldest is
 * {@link #FINISH_DELAY_NANOS} old, someone needs their locks ({@link #hurry}) or the store
 * closes; then their directories ride in the next batch, once each, and the flusher runs
 * their {@link Finish#synced} itself. So a burst of deliveries to the same mailboxes fsyncs
 * each {@code new/} once, not once per batch.
 *
 * <p><em>A lone committer syncs on its own thread.</em> When its commit is the only one under
 * way in the store, no two of its commits overlapped for {@link Switches#LONE_CALM_MICROS} (a
 * sequential load, not a lull between concurrent batches), the flusher is idle and nothing is
 * queued, a request runs its batch itself, as plain
 * syscalls on a ring that routes fsyncs and closes ({@link #inline}; faults and tracers see
 * them as on any ring): there is nobody to share the flush with, and the hand-offs cost more
 * than they save (flusher wake-up, io-wq worker, flusher again, the committer's wake-up). Who
 * arrives meanwhile queues, and the flusher waits for the lone batch as for one of its own: no
 * two batches of a store overlap. {@code -Dtxring.loneInline=false}, read when a store opens,
 * turns it off.
 */
final class GroupFlush implements AutoCloseable {
    private static final class Request {
        final Op[] ops;
        final Map<String, Integer> dirs;
        final Thread thread = Thread.currentThread();
        int[] results;
        RuntimeException failed;
        boolean done;

        Request(Op[] ops, Map<String, Integer> dirs) {
            this.ops = ops;
            this.dirs = dirs;
        }
    }

    /** Work left for after a set of directories is synced (a commit's step 5 fsyncs and step 6). */
    interface Finish {
        /** Directory path → an open fd of it, to fsync. */
        Map<String, Integer> dirs();

        /**
         * Runs on the flusher once those fsyncs completed: each directory's result (0 or
         * -errno; MIN_VALUE: never ran). Its own ops go on {@code ring}, the flusher's (the
         * store's may be SINGLE_ISSUER, owned by another thread).
         */
        void synced(Map<String, Integer> results, Ring ring);
    }

    /** How long a deferred finish may wait for others to share its fsyncs ({@link Switches#FINISH_DELAY_MICROS}). */
    static final long FINISH_DELAY_NANOS = Switches.FINISH_DELAY_MICROS * 1_000;
    /** This many deferred finishes pending go at once, whatever their age: each holds a log block and its locks. */
    static final int FINISH_BATCH = 16;
    /**
     * Carriers a lone committer on a virtual thread may pin at once, in the whole JVM (its fsync is a
     * downcall the scheduler does not compensate for): all but one, so one carrier always runs the
     * rest — none on a one-CPU machine.
     */
    private static final Semaphore PINNABLE_CARRIERS = new Semaphore(Math.max(0,
            Integer.getInteger("jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors()) - 1));

    private final Ring shared;
    private final GroupSync dirSyncs;
    // A j.u.c lock and direct unparks, not a monitor: a virtual thread woken from Object.wait takes an extra hop through the JDK's unblocker.
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Request> queued = new ArrayDeque<>();
    /** Under the lock: deferred finishes not yet submitted, oldest first. */
    private final ArrayDeque<Finish> finishes = new ArrayDeque<>();
    /** Under the lock: when the oldest of {@link #finishes} came (meaningless while it is empty). */
    private long oldestFinishAt;
    /** Under the lock: someone waits for a deferred finish's locks (or the store closes): they go in the next batch. */
    private boolean hurry;
    /** Under the lock: how many deferred finishes the flusher took and has not completed. */
    private int finishing;
    /** The flusher's alone: finishes taken for the current batch and not yet run (run as failed if the flusher dies). */
    private final ArrayDeque<Finish> inHand = new ArrayDeque<>();
    /** The flusher's alone: the requests of the batch in flight (failed and woken if the flusher dies). */
    private List<Request> current = List.of();
    /** Set once a dead flusher has failed everything it held: {@link #settle} waits for it. */
    private volatile boolean drained;
    /** Under the lock: the flusher is parked (or about to park) with nothing to do; a new request must unpark it. */
    private boolean idle;
    /** Under the lock: {@link #close()} was called; the flusher finishes what queued, then ends. */
    private boolean stopping;
    /** Why the flusher thread ended early (it never does but on an Error): requests fail at once with it. */
    private volatile Throwable dead;
    private final Thread flusher;
    /** The flusher's own ring (null: it uses the store's), for metrics. */
    private volatile Ring ownRing;
    /** Where a lone committer runs its batch itself: fsyncs and closes as syscalls on its thread (null: never). */
    private final Ring inline;
    /** Under the lock: a committer is running its batch on {@link #inline} (one at a time: it pins its carrier). */
    private boolean inlineBusy;
    /** Commits running in this store now ({@link CommitProtocol}): a request runs alone only when its commit is the one. */
    private final AtomicInteger committing = new AtomicInteger();
    /**
     * When two commits last overlapped (one began or ended while another was under way). Being
     * the only commit under way at one instant is not enough to run alone: under concurrent load
     * that happens between batches, and a lone batch runs its fsyncs one after another on a
     * pinned carrier while the next commits queue behind it.
     */
    private volatile long lastOverlapNanos;
    /** How long no two commits may have overlapped before one runs alone ({@link Switches#LONE_CALM_MICROS}; tests shorten it). */
    volatile long calmNanos = Switches.LONE_CALM_MICROS * 1_000;
    final AtomicLong submissions = new AtomicLong(), requests = new AtomicLong(), dirFsyncs = new AtomicLong(), dirFsyncsAsked = new AtomicLong(),
            deferred = new AtomicLong();

    /**
     * Starts the flusher and waits until its ring is open, on the flusher itself (a
     * SINGLE_ISSUER ring belongs to the thread that opened it).
     */
    GroupFlush(Ring shared, GroupSync dirSyncs, String name) {
        this.shared = shared;
        this.dirSyncs = dirSyncs;
        this.lastOverlapNanos = System.nanoTime() - calmNanos - 1; // a new handle is calm
        CompletableFuture<Void> opened = new CompletableFuture<>();
        this.flusher = Thread.ofPlatform().daemon().name("txring-flush-" + name).unstarted(() -> loop(opened));
        flusher.start();
        opened.join();
        // After the flusher's own ring, and only beside one: where the memlock limit allows two rings, those two
        // are the store's and the flusher's. {@code -Dtxring.loneInline=false} (read per store): never (for comparisons).
        this.inline = ownRing != null && Switches.loneInline() ? openInlineRing(shared) : null;
    }

    /** A commit that writes begins ({@link CommitProtocol}). */
    void commitStarted() {
        if (committing.incrementAndGet() > 1) lastOverlapNanos = System.nanoTime();
    }

    /** A commit that writes ended, however it ended: an overlap lasts until then. */
    void commitEnded() {
        if (committing.getAndDecrement() > 1) lastOverlapNanos = System.nanoTime();
    }

    /** Whether lone commits can run on their own thread here at all (io_uring, a second ring, not switched off). */
    boolean hasLonePath() {
        return inline != null;
    }

    /** Runs {@code ops} (linked chains kept whole) with whatever other commits queued; returns this caller's results. */
    int[] run(Op[] ops) {
        return run(ops, Map.of());
    }

    /**
     * As {@link #run(Op[])}, and makes the entries of each directory in {@code dirs} (path →
     * open fd) durable. Returns {@code ops.length + dirs.size()} results: the ops', then one
     * per directory in {@code dirs}' iteration order (0, or the fsync's {@code -errno}).
     */
    int[] run(Op[] ops, Map<String, Integer> dirs) {
        if (dirs.isEmpty() && !syncs(ops)) return shared.callBatch(ops); // closes only (CONSISTENT): nothing to share
        requests.incrementAndGet();
        dirFsyncsAsked.addAndGet(dirs.size());
        Request me = new Request(ops, dirs);
        boolean wake, alone;
        lock.lock();
        try {
            if (dead != null) throw new IllegalStateException("the store's flusher thread died", dead);
            if (stopping) throw new IllegalStateException("the store is closing: its flusher takes no more work");
            // Nobody to share this flush with, now or in the next moment: no other commit is under way, and none overlapped lately.
            alone = inline != null && idle && queued.isEmpty() && !inlineBusy && committing.get() <= 1
                    && System.nanoTime() - lastOverlapNanos > calmNanos && !inline.isBroken()
                    && (!Thread.currentThread().isVirtual() || PINNABLE_CARRIERS.tryAcquire());
            if (alone) {
                inlineBusy = true;
                wake = false;
            } else {
                queued.add(me);
                wake = idle && !inlineBusy; // while a lone batch is in flight, the queue waits for it, as for the flusher's own
                if (wake) idle = false;
            }
        } finally {
            lock.unlock();
        }
        if (alone) return runAlone(me, Thread.currentThread().isVirtual());
        if (wake) LockSupport.unpark(flusher);
        boolean interrupted = false;
        try {
            while (true) {
                LockSupport.park(this);
                if (Thread.interrupted()) interrupted = true; // the ops are the kernel's now: finish waiting, keep the flag
                lock.lock();
                try {
                    if (me.done) break;
                } finally {
                    lock.unlock();
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
        if (me.failed != null) throw new IllegalStateException("the shared flush this commit joined failed: " + me.failed, me.failed);
        return me.results;
    }

    /** A lone request's batch, on this thread ({@link #inline}): the same {@link #lead} the flusher runs, with no finishes. */
    private int[] runAlone(Request me, boolean pinning) {
        try {
            lead(inline, List.of(me), List.of());
        } catch (RuntimeException e) {
            throw new IllegalStateException("this commit's flush failed: " + e, e);
        } finally {
            if (pinning) PINNABLE_CARRIERS.release();
            boolean wake;
            lock.lock();
            try {
                inlineBusy = false;
                // The flusher waits (untimed) while a lone batch is in flight: who queued meanwhile, and any finish, go now.
                wake = idle && (!queued.isEmpty() || !finishes.isEmpty() || stopping);
                if (wake) idle = false;
            } finally {
                lock.unlock();
            }
            if (wake) LockSupport.unpark(flusher);
        }
        return me.results;
    }

    /**
     * A ring like the store's (same faults and tracer) on which fsyncs and closes run as
     * syscalls on the submitting thread; null where io_uring is not running (the store's ring
     * already runs everything as syscalls then) or no ring can be opened.
     */
    private static Ring openInlineRing(Ring shared) {
        if (shared.backend() != Backend.IO_URING) return null;
        RingConfig mine = beside(shared, Mode.SHARED).alsoAsSyscalls(uring_h.IORING_OP_FSYNC, uring_h.IORING_OP_CLOSE);
        try {
            return Ring.open(mine);
        } catch (IOException | RuntimeException e) {
            System.getLogger(GroupFlush.class.getName()).log(System.Logger.Level.WARNING,
                    "txring: no ring for lone committers' syncs (" + e + "); every flush goes through the flusher");
            return null;
        }
    }

    /**
     * Leaves {@code f} to the flusher: its directories are fsynced in a later batch (shared with
     * every other finish and commit there), then {@link Finish#synced} runs on the flusher.
     * Returns false, doing nothing, when the flusher takes no more work (closing, or dead): the
     * caller then finishes by itself.
     */
    boolean defer(Finish f) {
        boolean wake;
        lock.lock();
        try {
            if (dead != null || stopping) return false;
            if (finishes.isEmpty()) oldestFinishAt = System.nanoTime();
            finishes.add(f);
            // An idle flusher parks untimed: the first pending finish must wake it to start the clock.
            wake = idle && (finishes.size() == 1 || finishes.size() >= FINISH_BATCH);
            if (wake) idle = false;
        } finally {
            lock.unlock();
        }
        deferred.incrementAndGet();
        if (wake) LockSupport.unpark(flusher);
        return true;
    }

    /** Someone needs a lock a deferred finish may hold: pending finishes go in the next batch. */
    void hurry() {
        boolean wake;
        lock.lock();
        try {
            if (finishes.isEmpty()) return;
            hurry = true;
            wake = idle;
            idle = false;
        } finally {
            lock.unlock();
        }
        if (wake) LockSupport.unpark(flusher);
    }

    /** Waits until every finish deferred so far has run (they are hurried). */
    void settle() {
        hurry();
        while (true) {
            lock.lock();
            try {
                if ((finishes.isEmpty() && finishing == 0) || drained || Thread.currentThread() == flusher) return;
            } finally {
                lock.unlock();
            }
            LockSupport.parkNanos(100_000); // rare (close, tests): a poll keeps the flusher's loop free of waiter lists
            hurry();
        }
    }

    /** Under the lock: whether the pending finishes should go in the next batch. */
    private boolean finishesDue(long now) {
        return !finishes.isEmpty() && (hurry || stopping || finishes.size() >= FINISH_BATCH
                || now - oldestFinishAt >= FINISH_DELAY_NANOS);
    }

    private static boolean syncs(Op[] ops) {
        for (Op op : ops) if (op.opcode() != io.txring.uring.generated.uring_h.IORING_OP_CLOSE) return true;
        return false;
    }

    /** The flusher: opens its ring, then takes whatever queued as one batch, until closed. */
    private void loop(CompletableFuture<Void> opened) {
        Ring own = null;
        try {
            own = openOwnRing();
        } catch (IOException | RuntimeException e) {
            // e.g. the memlock limit allows one ring, not two: the store's ring does the work, a little slower
            System.getLogger(GroupFlush.class.getName()).log(System.Logger.Level.WARNING,
                    "txring: the flusher could not open its own ring, so it uses the store's: " + e);
        }
        ownRing = own;
        opened.complete(null);
        Ring mine = own != null ? own : shared;
        try {
            while (true) {
                List<Request> batch;
                List<Finish> fins = List.of();
                lock.lock();
                try {
                    long now;
                    // While a lone batch is in flight nothing goes (runAlone wakes us after it): one lead() at a time, and
                    // whoever queued meanwhile goes together, as behind a batch of ours.
                    while ((inlineBusy && !stopping)
                            || (queued.isEmpty() && !finishesDue(now = System.nanoTime()) && !(stopping && finishes.isEmpty()))) {
                        now = System.nanoTime();
                        idle = true;
                        lock.unlock();
                        try {
                            // a new request's unpark; with finishes pending (and no lone batch to wait for), the oldest one's deadline
                            if (finishes.isEmpty() || inlineBusy) LockSupport.park(this);
                            else LockSupport.parkNanos(this, oldestFinishAt + FINISH_DELAY_NANOS - now);
                        } finally {
                            lock.lock();
                        }
                    }
                    idle = false;
                    if (queued.isEmpty() && finishes.isEmpty()) return; // closing, and nothing left
                    batch = new ArrayList<>(queued);
                    queued.clear();
                    current = batch;
                    if (finishesDue(System.nanoTime())) {
                        fins = new ArrayList<>(finishes);
                        inHand.addAll(fins);
                        finishes.clear();
                        finishing = fins.size();
                        hurry = false;
                    }
                } finally {
                    lock.unlock();
                }
                RuntimeException failed = null;
                Map<String, Integer> finishResults = null;
                try {
                    finishResults = lead(mine, batch, fins);
                } catch (RuntimeException e) {
                    failed = e; // every request of the batch throws it, instead of reading results nobody wrote
                }
                lock.lock();
                try {
                    for (Request r : batch) {
                        r.failed = failed;
                        r.done = true;
                    }
                } finally {
                    lock.unlock();
                }
                for (Request r : batch) LockSupport.unpark(r.thread); // they read their results under the lock
                current = List.of();
                // After the committers are on their way: nobody waits for these. A failed batch (results null) fails each.
                for (Finish f; (f = inHand.pollFirst()) != null; ) {
                    runFinish(f, finishResults, mine);
                }
                if (!fins.isEmpty()) {
                    lock.lock();
                    try {
                        finishing = 0;
                    } finally {
                        lock.unlock();
                    }
                }
            }
        } catch (Throwable t) {
            List<Request> waiting;
            lock.lock();
            try {
                dead = t; // under the lock: no request or finish queues after this
                waiting = new ArrayList<>(current);
                waiting.addAll(queued);
                queued.clear();
                for (Request r : waiting) {
                    if (r.done) continue;
                    r.failed = new IllegalStateException("the store's flusher thread died", t);
                    r.done = true;
                }
            } finally {
                lock.unlock();
            }
            for (Request r : waiting) LockSupport.unpark(r.thread);
            List<Finish> left = new ArrayList<>(inHand);
            inHand.clear();
            lock.lock();
            try {
                left.addAll(finishes);
                finishes.clear();
            } finally {
                lock.unlock();
            }
            for (Finish f : left) runFinish(f, null, mine); // as failed syncs: they abandon their records and let go of their locks
            drained = true;
            throw t;
        } finally {
            if (own != null) own.close();
        }
    }

    /** Runs {@code f}'s completion with its directories' results ({@code results} null: none ran). */
    private static void runFinish(Finish f, Map<String, Integer> results, Ring ring) {
        Map<String, Integer> mine = new LinkedHashMap<>();
        for (String d : f.dirs().keySet()) mine.put(d, results == null ? Integer.MIN_VALUE : results.get(d));
        try {
            f.synced(mine, ring);
        } catch (RuntimeException | Error e) { // one finish's bug must not strand the others' locks
            System.getLogger(GroupFlush.class.getName()).log(System.Logger.Level.ERROR, "txring: a deferred commit finish failed", e);
        }
    }

    /** A SINGLE_ISSUER ring like the store's (same faults and tracer), or null to use the store's: io_uring is not running. */
    private Ring openOwnRing() throws IOException {
        if (shared.backend() != Backend.IO_URING) return null;
        return Ring.open(beside(shared, Mode.SINGLE_ISSUER));
    }

    /**
     * A ring config like {@code shared}'s (sizes, faults, tracer, routed opcodes) in {@code mode}, with no SQ
     * thread and no registered files: the flusher and a lone committer sync and close plain fds, and a deferred
     * finish's unlinks and block write run as plain syscalls where the store's do.
     */
    private static RingConfig beside(Ring shared, Mode mode) {
        return shared.config().toBuilder().mode(mode).sqThreadCpu(-1).shareSqThreadOf(null).registeredFiles(0)
                .backend(Backend.IO_URING).build();
    }

    /** {@code shared}'s counters plus the flusher's own ring's, if it has one. */
    io.txring.core.RingMetrics ringMetrics(io.txring.core.RingMetrics shared) {
        Ring own = ownRing;
        io.txring.core.RingMetrics all = own != null ? shared.plus(own.metrics()) : shared;
        return inline != null ? all.plus(inline.metrics()) : all;
    }

    /** Lets the flusher finish what queued, then stops it and closes its ring; later requests throw. */
    @Override
    public void close() {
        lock.lock();
        try {
            stopping = true;
        } finally {
            lock.unlock();
        }
        LockSupport.unpark(flusher);
        boolean interrupted = false;
        while (flusher.isAlive()) {
            try {
                flusher.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (inline != null) inline.close(); // no commit runs now (Store.close): nobody is on it
    }

    /**
     * Submits the batch: every request's ops, then one fsync per distinct directory (the
     * requests' and the finishes'); hands each request its results and returns every
     * directory's.
     */
    private Map<String, Integer> lead(Ring ring, List<Request> batch, List<Finish> fins) {
        int total = 0;
        Map<String, Integer> dirFds = new LinkedHashMap<>();
        for (Request r : batch) {
            total += r.ops.length;
            for (var d : r.dirs.entrySet()) dirFds.putIfAbsent(d.getKey(), d.getValue()); // any fd of the directory will do
        }
        for (Finish f : fins) for (var d : f.dirs().entrySet()) dirFds.putIfAbsent(d.getKey(), d.getValue());
        // Closed batch: every entry its requests made exists now, so each fsync below starts after all of them.
        Map<String, Integer> dirResult = new LinkedHashMap<>();
        List<String> synced = new ArrayList<>();
        long[] covers = new long[dirFds.size()];
        List<Op> fsyncs = new ArrayList<>();
        for (var d : dirFds.entrySet()) {
            long cover = dirSyncs.shareFsync(d.getKey());
            if (cover < 0) {
                dirResult.put(d.getKey(), (int) cover); // failed before: never trusted again
                continue;
            }
            covers[synced.size()] = cover;
            synced.add(d.getKey());
            String shown = d.getKey().isEmpty() ? "." : d.getKey();
            // A record log needs its blocks and size only (its name was synced once): fdatasync skips the mtime's inode write.
            fsyncs.add((RecordLog.isLogKey(d.getKey()) ? Op.fdatasync(d.getValue()) : Op.fsync(d.getValue())).describing(shown));
        }
        Op[] all = new Op[total + fsyncs.size()];
        int at = 0;
        for (Request r : batch) {
            System.arraycopy(r.ops, 0, all, at, r.ops.length);
            at += r.ops.length;
        }
        for (Op f : fsyncs) all[at++] = f;
        submissions.incrementAndGet();
        dirFsyncs.addAndGet(fsyncs.size());
        TxnEvents.FlushBatch ev = TxnEvents.flushBatches() ? new TxnEvents.FlushBatch() : null;
        if (ev != null) ev.begin();
        int[] res;
        try {
            res = ring.callBatch(all);
        } catch (RuntimeException e) { // e.g. the ring closed: GroupSync's waiters must not wait on these fsyncs
            for (int i = 0; i < synced.size(); i++) dirSyncs.sharedFsyncDone(synced.get(i), covers[i], Integer.MIN_VALUE);
            throw e;
        }
        if (ev != null) {
            ev.commits = batch.size();
            ev.finishes = fins.size();
            ev.ops = total;
            ev.directories = fsyncs.size();
            ev.lone = ring == inline;
            ev.commit();
        }
        for (int i = 0; i < synced.size(); i++) {
            int r = res[total + i];
            dirSyncs.sharedFsyncDone(synced.get(i), covers[i], r);
            dirResult.put(synced.get(i), r);
        }
        at = 0;
        for (Request r : batch) {
            int[] mine = new int[r.ops.length + r.dirs.size()];
            System.arraycopy(res, at, mine, 0, r.ops.length);
            at += r.ops.length;
            int k = r.ops.length;
            for (String d : r.dirs.keySet()) mine[k++] = dirResult.get(d);
            r.results = mine;
        }
        return dirResult;
    }
}
