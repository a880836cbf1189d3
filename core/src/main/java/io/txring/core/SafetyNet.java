package io.txring.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Once per {@link #SLICE_NANOS}, looks for what the ring's hand-offs should have made
 * impossible, repairs it and counts it in {@link RingMetrics}; a healthy ring keeps the counts
 * at 0. One platform thread per ring that has a reaper thread (SHARED, SQPOLL, blocking).
 * Each count needs the same state seen at two sweeps a slice apart, so a busy machine that
 * merely runs a thread late is not mistaken for a failed hand-off:
 * <ul>
 *   <li>{@code missedWakeups}: an op done and its waiter unparked, yet the waiter, a virtual
 *       thread, still parked in the ring's wait (not made runnable) at both sweeps — the unpark
 *       was lost. It is unparked again. A
 *       platform thread reports WAITING until the OS runs it, so on a busy machine the same
 *       sight means only "unparked, not yet scheduled": it is unparked again, not counted.</li>
 *   <li>{@code strandedCompletions}: completions in the CQ, its head unmoved, and the reaper
 *       inside the same {@code io_uring_enter} at both sweeps and asleep by the OS's account
 *       ({@code /proc/self/task/<tid>/stat} says S or D, not R: woken but not yet run on a busy
 *       machine is not stranded) — the kernel did not wake it. They are reaped here.</li>
 *   <li>{@code strandedSqes}: SQEs pushed and unsubmitted at both sweeps with nothing submitted
 *       between — a flush that should have happened did not. They are submitted here. (An
 *       {@link OpQueue}'s sends wait for its barrier by design: a queue left a slice before its
 *       barrier counts here too.)</li>
 * </ul>
 */
final class SafetyNet {
    /** Time between sweeps. */
    static final long SLICE_NANOS = 50_000_000;
    /** Diagnostics (ConcurrencySoak): sees each waiter found with its unpark lost, before it is unparked again. */
    static volatile java.util.function.Consumer<Thread> lostUnparkProbe;

    private final Submitter submitter;
    private final Reaper reaper;
    private final Slots slots;
    private final Engine engine;
    private final RingMetrics.Counters counters;
    /** The object waiters park on ({@link LockSupport#getBlocker}): tells the ring's wait from any other park. */
    private final Object blocker;
    /** Chain waiters parked now: their slots are recycled as each op completes, so slots cannot name them. */
    private final Set<Ring.ChainResult> sleepingChains = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean stopped;
    // What the previous sweep saw (only the net's thread touches these).
    private final int[] suspectGeneration;
    private final Set<Ring.ChainResult> suspectChains = new java.util.HashSet<>();
    private long lastSq = Long.MIN_VALUE;
    private long lastCq;
    private long lastReaperWait;

    SafetyNet(Submitter submitter, Reaper reaper, Slots slots, Engine engine, Object blocker, String name) {
        this.submitter = submitter;
        this.reaper = reaper;
        this.slots = slots;
        this.engine = engine;
        this.counters = engine.counters();
        this.blocker = blocker;
        this.suspectGeneration = new int[slots.capacity];
        this.thread = Thread.ofPlatform().daemon().name("txring-net-" + name).unstarted(this::loop);
    }

    void start() {
        thread.start();
    }

    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    void sleeping(Ring.ChainResult chain) {
        sleepingChains.add(chain);
    }

    void awake(Ring.ChainResult chain) {
        sleepingChains.remove(chain);
    }

    private void loop() {
        while (!stopped) {
            LockSupport.parkNanos(SLICE_NANOS);
            if (stopped) return;
            try {
                sweep();
            } catch (RuntimeException e) {
                // A broken ring (the sweep's reap or flush found it so) has failed its ops: nothing to repair.
                if (submitter.isBroken()) return;
                // Anything else: say so and keep sweeping, since parked waiters rely on the net.
                System.getLogger(Ring.class.getName()).log(System.Logger.Level.WARNING, "txring safety net: sweep failed: " + e, e);
            }
        }
    }

    private void sweep() {
        submitter.lock.lock(); // close() sets closed under it before anything is unmapped
        try {
            if (submitter.closed || submitter.isBroken()) return;
            sweepSubmissions();
            sweepCompletions();
            sweepWaiters();
            submitter.signalSlotWaiters();
        } finally {
            submitter.lock.unlock();
        }
    }

    private void sweepSubmissions() {
        long sq = engine.sqMark();
        int left = engine.unsubmitted();
        if (left > 0 && sq == lastSq) {
            counters.add(RingMetrics.Counters.STRANDED_SQES, left);
            submitter.flushLocked(0);
            sq = engine.sqMark();
        }
        lastSq = sq;
    }

    private void sweepCompletions() {
        long cq = engine.cqMark();
        long wait = reaper.kernelWait();
        int head = (int) (cq >>> 32), tail = (int) cq;
        int lastHead = (int) (lastCq >>> 32), lastTail = (int) lastCq;
        boolean asleepThroughout = (wait & 1) != 0 && wait == lastReaperWait; // odd: inside one io_uring_enter wait
        // The OS's word last: a reaper the kernel did wake but the scheduler has not run yet is not stranded.
        if (asleepThroughout && lastTail != lastHead && head == lastHead && reaper.asleepInKernel()) {
            counters.add(RingMetrics.Counters.STRANDED_COMPLETIONS, lastTail - lastHead);
            reaper.reapIfFree();
            cq = engine.cqMark();
        }
        lastCq = cq;
        lastReaperWait = wait;
    }

    private void sweepWaiters() {
        for (int slot = 0; slot < slots.capacity; slot++) {
            Object t = slots.target[slot];
            if (t instanceof Thread waiter && slots.isDone(slot) && slots.isUnparked(slot) && parkedHere(waiter)) {
                int mark = slots.generation(slot) + 1; // 0 means "nothing suspected"
                if (suspectGeneration[slot] == mark) {
                    if (waiter.isVirtual()) missed(waiter);
                    LockSupport.unpark(waiter);
                    suspectGeneration[slot] = 0;
                } else {
                    suspectGeneration[slot] = mark;
                }
            } else {
                suspectGeneration[slot] = 0;
            }
        }
        for (Ring.ChainResult chain : sleepingChains) {
            Thread waiter = chain.waiter();
            if (chain.isDone() && chain.unparked && waiter != null && parkedHere(waiter)) {
                if (suspectChains.remove(chain)) {
                    if (waiter.isVirtual()) missed(waiter);
                    LockSupport.unpark(waiter);
                } else {
                    suspectChains.add(chain);
                }
            }
        }
        suspectChains.retainAll(sleepingChains);
    }

    private void missed(Thread waiter) {
        counters.add(RingMetrics.Counters.MISSED_WAKEUPS, 1);
        var probe = lostUnparkProbe;
        if (probe != null) probe.accept(waiter);
    }

    /** Parked in the ring's wait — not runnable, not parked on a lock or anything else. */
    private boolean parkedHere(Thread t) {
        Thread.State s = t.getState();
        return (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) && LockSupport.getBlocker(t) == blocker;
    }
}
