package io.txring.core;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The completion side of a ring: one consumer of the CQ at a time (whoever holds
 * {@link #cqLock}), delivering each completion to its slot's owner. In {@link Mode#SHARED} and
 * {@link Mode#SQPOLL} a reaper thread waits for completions; callers that find some ready reap
 * them too, but only with {@code tryLock} and never sleeping: no thread waits in the kernel
 * holding {@code cqLock}.
 *
 * <p>This class ensures that a failure while delivering never goes unseen: whoever was
 * reaping marks the ring broken ({@link Submitter#markBroken}), which fails every op in flight;
 * the reaper thread then stops, and a caller that was reaping throws the {@link RingBrokenException}.
 */
final class Reaper {
    private static final int REAP_BATCH = 256;

    final ReentrantLock cqLock = new ReentrantLock();
    private final Engine engine;
    private final Slots slots;
    private final Submitter submitter;
    private final Faults faults;
    private final OpTracer tracer;
    private final Engine.CompletionDispatch dispatch = this::deliver;
    /** Slots delivered by the current reap, recycled together under the submit lock; owned by the holder of cqLock. */
    private final int[] reaped;
    private int reapedCount;
    /** Odd while the reaper thread waits in the kernel; +1 on each entry and exit. The safety net reads it. */
    private volatile long kernelWait;
    /** The reaper thread, or null in owner mode (the owner reaps while it waits). */
    final Thread thread;
    /** The reaper thread's {@code /proc/self/task/<tid>/stat}, once it runs (null: unknown). */
    private volatile java.nio.file.Path taskStat;

    Reaper(RingConfig config, Engine engine, Slots slots, Submitter submitter, boolean ownThread, String name) {
        this.engine = engine;
        this.slots = slots;
        this.submitter = submitter;
        this.faults = config.faults();
        this.tracer = config.tracer();
        this.reaped = new int[slots.capacity];
        this.thread = ownThread ? Thread.ofPlatform().daemon().name("txring-reaper-" + name).unstarted(this::loop) : null;
    }

    void start() {
        if (thread != null) thread.start();
    }

    /** Whether this thread is delivering completions now (blocking here would deadlock). */
    boolean isDelivering() {
        return cqLock.isHeldByCurrentThread() || Thread.currentThread() == thread;
    }

    /**
     * Reaps what is ready, if no other thread is reaping; never waits and never enters the kernel
     * to wait. Returns how many completions it delivered.
     */
    int reapIfFree() {
        if (!cqLock.tryLock()) return 0;
        try {
            return reapLocked();
        } finally {
            cqLock.unlock();
        }
    }

    /** Odd while the reaper thread waits in the kernel; a new value for each wait. */
    long kernelWait() {
        return kernelWait;
    }

    /**
     * Whether the OS has the reaper thread asleep (state S or D), not runnable: a woken reaper
     * the scheduler has not run yet (a busy machine) looks the same to the ring's words.
     * Unknown (no procfs) counts as asleep.
     */
    boolean asleepInKernel() {
        java.nio.file.Path stat = taskStat;
        if (stat == null) return true;
        try {
            String s = java.nio.file.Files.readString(stat);
            int end = s.lastIndexOf(')'); // the command name may hold spaces and parentheses
            char state = end >= 0 && end + 2 < s.length() ? s.charAt(end + 2) : 'S';
            return state == 'S' || state == 'D';
        } catch (java.io.IOException | RuntimeException e) {
            return true;
        }
    }

    /** Whether completions are ready to reap (a cheap look, no trap). */
    boolean hasCompletions() {
        return engine.hasCompletions();
    }

    /** With cqLock held: delivers what is ready and recycles the slots of sinks. */
    private int reapLocked() {
        if (submitter.isBroken()) throw submitter.broken();
        int n;
        try {
            n = engine.reap(dispatch, REAP_BATCH);
        } catch (Throwable t) {
            throw submitter.markBroken(t);
        }
        recycleReaped();
        return n;
    }

    private void loop() {
        try {
            taskStat = java.nio.file.Path.of("/proc", java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/thread-self")).toString(), "stat");
        } catch (java.io.IOException | RuntimeException e) {
            // no procfs: the safety net cannot tell asleep from runnable, and assumes asleep
        }
        try {
            while (!submitter.isBroken()) {
                int n;
                cqLock.lock();
                try {
                    n = reapLocked();
                } finally {
                    cqLock.unlock();
                }
                if (n > 0) continue;
                if (submitter.isClosing() && slots.inFlight() == 0) return;
                kernelWait++; // only this thread writes it: a plain increment, published by the volatile write
                try {
                    engine.awaitCompletions(); // no lock held: callers may reap meanwhile
                } finally {
                    kernelWait++;
                }
            }
        } catch (RingBrokenException e) {
            // markBroken has logged the cause and failed every op in flight
        } catch (Throwable t) {
            submitter.markBroken(t); // a failed wait: nothing would ever complete again
        }
    }

    /** Reaper side: one raw completion. */
    private void deliver(long userData, int res, int flags) {
        if (userData == UserData.INTERNAL) return;
        if (faults != null) faults.onDelivery();
        complete(userData, res, flags, false);
    }

    /** Submitter side, under the submit lock: an op run as a syscall, or refused by the kernel, completes now. */
    void completeNow(long userData, int res, int flags) {
        complete(userData, res, flags, true);
    }

    /**
     * Delivers one completion: a parked caller is woken (it recycles its slot itself); a sink
     * is called and its slot recycled — at once when {@code now} (the submitter, holding the
     * lock), else batched in {@code reaped[]}, which belongs to whoever holds {@code cqLock}.
     */
    private void complete(long userData, int res, int flags, boolean now) {
        int slot = slots.slotOf(userData);
        if (slot < 0) return; // not ours (or stale): never deliver twice
        if (tracer != null) trace(slots.op[slot], res); // before anyone can see the op completed
        // Read before the done mark: a waiter already awake (a spare park permit) releases the slot once it sees it.
        Object t = slots.target[slot];
        slots.record(slot, res, flags);
        if (t instanceof Thread waiter) {
            LockSupport.unpark(waiter); // the waiter reads res after isDone's acquire and recycles the slot
            slots.markUnparked(slot); // may land after the waiter recycled the slot: claim resets it under the lock
            return;
        }
        ((CompletionSink) t).onCompletion(slots.tag[slot], slots.op[slot], res, flags);
        if (now) submitter.release(slot);
        else reaped[reapedCount++] = slot;
    }

    /** A tracer's failure must not stop the delivery of completions: it is logged and ignored (also for ops run on the caller's thread). */
    void trace(Op op, int res) {
        try {
            tracer.completed(op, res);
        } catch (RuntimeException e) {
            System.getLogger(Ring.class.getName()).log(System.Logger.Level.WARNING, "txring tracer failed on " + op + ": " + e, e);
        }
    }

    private void recycleReaped() {
        if (reapedCount == 0) return;
        submitter.lock.lock();
        try {
            while (reapedCount > 0) submitter.release(reaped[--reapedCount]);
        } finally {
            submitter.lock.unlock();
        }
    }

    /** Owner mode or close: reaps under the caller's locks, whatever else holds; returns how many. */
    int reapOwned() {
        cqLock.lock();
        try {
            return reapLocked();
        } finally {
            cqLock.unlock();
        }
    }
}
