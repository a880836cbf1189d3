package io.txring.txn;

import io.txring.core.Op;
import io.txring.core.Ring;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for step 1 (flush) and step 4 (the record's sync): the fdatasyncs of
 * concurrent commits go to the kernel in one submission. While one submission is in flight,
 * later commits queue; when it completes, one of them submits everything that queued
 * meanwhile, at once. Each commit still gets its own results: one commit's failed fdatasync
 * fails only it.
 *
 * <p>The directory fsyncs the commits ask for ride in the same submission, <em>once per
 * directory</em> however many commits asked: every commit in a batch made its entries before
 * it queued, so one fsync that starts after the batch closed covers them all. Each such fsync
 * also serves {@link GroupSync}'s waiters on that directory, and a directory GroupSync found
 * failing is never fsynced again (fsyncgate): its askers get that failure.
 */
final class GroupFlush {
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

    private final Ring ring;
    private final GroupSync dirSyncs;
    // A j.u.c lock and direct unparks, not a monitor: a virtual thread woken from Object.wait takes an extra hop through the JDK's unblocker.
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Request> queued = new ArrayList<>();
    private boolean inFlight;
    final AtomicLong submissions = new AtomicLong(), requests = new AtomicLong(), dirFsyncs = new AtomicLong(), dirFsyncsAsked = new AtomicLong();

    GroupFlush(Ring ring, GroupSync dirSyncs) {
        this.ring = ring;
        this.dirSyncs = dirSyncs;
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
        requests.incrementAndGet();
        dirFsyncsAsked.addAndGet(dirs.size());
        Request me = new Request(ops, dirs);
        List<Request> batch = null;
        boolean interrupted = false;
        lock.lock();
        try {
            queued.add(me);
            if (!inFlight) batch = takeQueue();
        } finally {
            lock.unlock();
        }
        while (batch == null) {
            LockSupport.park(this);
            if (Thread.interrupted()) interrupted = true; // the ops are the kernel's now: finish waiting, keep the flag
            lock.lock();
            try {
                if (me.done) {
                    if (interrupted) Thread.currentThread().interrupt();
                    if (me.failed != null) throw new IllegalStateException("the shared flush this commit joined failed", me.failed);
                    return me.results;
                }
                if (!inFlight && queued.getFirst() == me) batch = takeQueue(); // woken to lead what queued meanwhile
            } finally {
                lock.unlock();
            }
        }
        Request next = null;
        try {
            lead(batch);
        } catch (RuntimeException e) {
            for (Request r : batch) r.failed = e; // the joiners throw too, instead of reading results nobody wrote
            throw e;
        } finally {
            lock.lock();
            try {
                for (Request r : batch) r.done = true;
                inFlight = false;
                if (!queued.isEmpty()) next = queued.getFirst();
            } finally {
                lock.unlock();
            }
            for (Request r : batch) if (r != me) LockSupport.unpark(r.thread); // they read their results under the lock
            if (next != null) LockSupport.unpark(next.thread);
        }
        if (interrupted) Thread.currentThread().interrupt();
        return me.results;
    }

    /** Under the lock: this caller leads everything queued so far, itself included. */
    private List<Request> takeQueue() {
        inFlight = true;
        List<Request> batch = new ArrayList<>(queued);
        queued.clear();
        return batch;
    }

    /** Submits the batch: every request's ops, then one fsync per distinct directory; hands each request its results. */
    private void lead(List<Request> batch) {
        int total = 0;
        Map<String, Integer> dirFds = new LinkedHashMap<>();
        for (Request r : batch) {
            total += r.ops.length;
            for (var d : r.dirs.entrySet()) dirFds.putIfAbsent(d.getKey(), d.getValue()); // any fd of the directory will do
        }
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
            fsyncs.add(Op.fsync(d.getValue()).describing(d.getKey().isEmpty() ? "." : d.getKey()));
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
        int[] res;
        try {
            res = ring.callBatch(all);
        } catch (RuntimeException e) { // e.g. the ring closed: GroupSync's waiters must not wait on these fsyncs
            for (int i = 0; i < synced.size(); i++) dirSyncs.sharedFsyncDone(synced.get(i), covers[i], Integer.MIN_VALUE);
            throw e;
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
    }
}
