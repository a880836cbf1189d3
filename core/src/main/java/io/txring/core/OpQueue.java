package io.txring.core;

import io.txring.uring.NativeException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The seed's queue over a {@link Ring}: {@link #send} queues an op without waiting,
 * {@link #barrier()} waits until every op sent before it completed, {@link #get()}
 * returns results in send order. Sends are batched: they reach the kernel in one
 * {@code io_uring_enter} at the next barrier or get (or at once under SQPOLL, with no
 * trap). Ops between barriers may run in any order, as io_uring's do.
 *
 * <p>A queue belongs to the thread that created it and allocates nothing per op; an
 * {@link Op} may be re-prepared once its result has been collected with {@link #get()}.
 */
public final class OpQueue implements CompletionSink {
    private static final VarHandle DONE = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle COMPLETED;

    static {
        try {
            COMPLETED = MethodHandles.lookup().findVarHandle(OpQueue.class, "completed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Ring ring;
    private final Thread thread;
    private final int mask;
    private final int[] results;
    private final Op[] ops;
    /** doneSeq[i] == seq + 1 once op seq (at i = seq & mask) completed: never needs resetting. */
    private final long[] doneSeq;
    private long sent;
    private long consumed;
    private long flushed;
    @SuppressWarnings("unused") // through COMPLETED
    private volatile long completed;
    private volatile boolean awaiting;

    OpQueue(Ring ring, int capacity) {
        if (capacity < 1 || capacity > (1 << 24)) throw new IllegalArgumentException("capacity must be 1..2^24: " + capacity);
        int size = Integer.highestOneBit(capacity - 1 | 1) << 1;
        if (size / 2 >= capacity) size /= 2;
        this.ring = ring;
        this.thread = Thread.currentThread();
        this.mask = size - 1;
        this.results = new int[size];
        this.ops = new Op[size];
        this.doneSeq = new long[size];
    }

    /** How many results this queue holds before {@link #get()} must collect some. */
    public int capacity() {
        return mask + 1;
    }

    /** Ops sent and not yet collected by {@link #get()}. */
    public int outstanding() {
        return (int) (sent - consumed);
    }

    /** Queues {@code op}; returns its sequence number (0, 1, 2, … in send order). */
    public long send(Op op) {
        checkThread();
        if (sent - consumed == mask + 1) throw full();
        ops[(int) sent & mask] = op;
        Submitter submitter = ring.submitter;
        submitter.lock.lock();
        try {
            submitter.pushOne(op, this, sent);
            if (ring.publishEagerly()) {
                submitter.flushLocked(0); // a refusal has completed the op with its errno
                flushed = sent + 1;
            }
        } finally {
            submitter.lock.unlock();
        }
        return sent++;
    }

    /**
     * Queues a linked chain that reaches the kernel in one submission: each op but the last
     * is linked to the next unless it already carries a link flag. Returns the first sequence number.
     */
    public long send(Op... chain) {
        checkThread();
        if (chain.length == 0) throw new IllegalArgumentException("empty chain");
        if (sent - consumed + chain.length > mask + 1) throw full();
        for (int i = 0; i < chain.length - 1; i++) if (!chain[i].isLinked()) chain[i].link();
        for (int i = 0; i < chain.length; i++) ops[(int) (sent + i) & mask] = chain[i];
        Submitter submitter = ring.submitter;
        submitter.lock.lock();
        try {
            submitter.pushUnit(chain, chain.length, this, sent);
            if (ring.publishEagerly()) {
                submitter.flushLocked(0); // a refusal has completed the ops with its errno
                flushed = sent + chain.length;
            }
        } finally {
            submitter.lock.unlock();
        }
        long first = sent;
        sent += chain.length;
        return first;
    }

    /** Waits until every op sent so far has completed. Results stay available to {@link #get()}. */
    public void barrier() {
        checkThread();
        flush();
        long target = sent;
        while ((long) COMPLETED.getVolatile(this) < target) {
            awaiting = true;
            long missing = target - (long) COMPLETED.getVolatile(this);
            if (missing > 0) ring.waitFor((int) Math.min(missing, Integer.MAX_VALUE)); // re-checked after announcing: no lost wake-up; throws if the ring broke
            awaiting = false;
        }
    }

    /** The result of the oldest uncollected op ({@code res}: ≥ 0, or {@code -errno}); waits if needed. */
    public int get() {
        checkThread();
        if (consumed == sent) throw new IllegalStateException("get() with no op outstanding: send() first");
        int i = (int) consumed & mask;
        if ((long) DONE.getAcquire(doneSeq, i) != consumed + 1) { // pairs with onCompletion's release
            flush();
            while ((long) DONE.getAcquire(doneSeq, i) != consumed + 1) {
                awaiting = true;
                if ((long) DONE.getAcquire(doneSeq, i) != consumed + 1) ring.waitFor(1);
                awaiting = false;
            }
        }
        int res = results[i];
        ops[i] = null;
        consumed++;
        return res;
    }

    /** Like {@link #get()} but a failure throws an exception naming the op, its path and the errno. */
    public int getOrThrow() throws NativeException {
        Op op = ops[(int) consumed & mask];
        int res = get();
        if (res < 0) throw NativeException.of(op.name(), op.path(), res);
        return res;
    }

    private void flush() {
        if (flushed == sent) return;
        Submitter submitter = ring.submitter;
        submitter.lock.lock();
        try {
            submitter.flushLocked(0); // a refusal has completed the ops with its errno
        } finally {
            submitter.lock.unlock();
        }
        flushed = sent;
    }

    /** Reaper side (or the submitter for ops run inline). */
    @Override
    public void onCompletion(long seq, Op op, int res, int flags) {
        int i = (int) seq & mask;
        results[i] = res;
        DONE.setRelease(doneSeq, i, seq + 1); // results[i] is visible before the done mark
        COMPLETED.getAndAdd(this, 1L);
        if (awaiting) LockSupport.unpark(thread);
    }

    /** The ring broke with ops of this queue in flight: wake the owner, whose wait then throws. */
    @Override
    public void onBroken(RingBrokenException e) {
        LockSupport.unpark(thread);
    }

    private void checkThread() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("an OpQueue belongs to " + thread + "; used from " + Thread.currentThread());
        }
        ring.checkCaller(thread);
    }

    private IllegalStateException full() {
        return new IllegalStateException("queue holds " + (mask + 1) + " uncollected results: call get() (or open a larger queue)");
    }
}
