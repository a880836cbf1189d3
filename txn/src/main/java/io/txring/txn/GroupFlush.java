package io.txring.txn;

import io.txring.core.Op;
import io.txring.core.Ring;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Group commit for step 1 (flush): the shadows' fdatasyncs of concurrent commits go to
 * the kernel in one submission. While one submission is in flight, later commits queue;
 * when it completes, one of them submits everything that queued meanwhile, at once.
 * Each commit still gets its own results: one commit's failed fdatasync fails only it.
 */
final class GroupFlush {
    private static final class Request {
        final Op[] ops;
        int[] results;
        boolean done;

        Request(Op[] ops) {
            this.ops = ops;
        }
    }

    private final Ring ring;
    private final List<Request> queued = new ArrayList<>();
    private boolean inFlight;
    final AtomicLong submissions = new AtomicLong(), requests = new AtomicLong();

    GroupFlush(Ring ring) {
        this.ring = ring;
    }

    /** Runs {@code ops} (linked chains kept whole) with whatever other commits queued; returns this caller's results. */
    int[] run(Op[] ops) {
        requests.incrementAndGet();
        Request me = new Request(ops);
        List<Request> batch;
        boolean interrupted = false;
        synchronized (this) {
            queued.add(me);
            while (inFlight && !me.done) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the ops are the kernel's now: finish waiting, keep the flag
                }
            }
            if (me.done) {
                if (interrupted) Thread.currentThread().interrupt();
                return me.results;
            }
            inFlight = true;
            batch = new ArrayList<>(queued); // this caller leads: everything queued so far, itself included
            queued.clear();
        }
        try {
            int total = 0;
            for (Request r : batch) total += r.ops.length;
            Op[] all = new Op[total];
            int at = 0;
            for (Request r : batch) {
                System.arraycopy(r.ops, 0, all, at, r.ops.length);
                at += r.ops.length;
            }
            submissions.incrementAndGet();
            int[] res = ring.callBatch(all);
            at = 0;
            for (Request r : batch) {
                r.results = java.util.Arrays.copyOfRange(res, at, at + r.ops.length);
                at += r.ops.length;
            }
        } finally {
            synchronized (this) {
                for (Request r : batch) r.done = true;
                inFlight = false;
                notifyAll();
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        return me.results;
    }
}
