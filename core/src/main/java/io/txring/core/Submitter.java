package io.txring.core;

import io.txring.uring.NativeException;
import io.txring.uring.generated.Errno;
import io.txring.uring.internal.ScratchPool;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The submit side of a ring: the submit lock, claiming slots and SQEs, routing the ops the
 * ring must not run (opcodes the kernel lacks, injected faults, {@link RingConfig#syscallOpcodes})
 * to plain syscalls, and handing SQEs to the kernel.
 *
 * <p>This class ensures that every claimed slot is finished: after {@link #flushLocked} returns,
 * each pushed op either reached the kernel or completed with the errno that kept it out —
 * {@code EAGAIN}/{@code EBUSY} (or an enter that took nothing) are retried after reaping for up
 * to {@link #RETRY_NANOS}; anything else fails the ops at once, their SQEs taken back so no later
 * enter runs them. Where SQEs cannot be taken back (SQPOLL), a failed enter breaks the ring.
 */
final class Submitter {
    private static final System.Logger LOG = System.getLogger(Ring.class.getName());
    /** How long EAGAIN or EBUSY from a submitting enter is retried, reaping between tries, before its ops fail with it. */
    static final long RETRY_NANOS = 2_000_000_000L;

    final ReentrantLock lock = new ReentrantLock();
    private final Condition slotFreed = lock.newCondition();
    private final RingConfig config;
    private final Engine engine;
    private final UringEngine uring;
    private final Slots slots;
    private final Faults faults;
    private final OpTracer tracer;
    private final RingMetrics.Counters counters;
    private final String name;
    private final Engine.CompletionDispatch failSubmission = this::failSubmission;
    /** Path memory of routed ops run on the calling thread (no slot): shared by every ring, never per thread. */
    private static final ScratchPool ROUTED = new ScratchPool(64, 512, 32 * 1024);
    /** Set once the reaper exists (they refer to each other). */
    private Reaper reaper;
    private WaitStrategy waits;
    /** Runs ops as syscalls on their caller's thread (routed, fault-injected, or ones io_uring lacks), counted apart. */
    private final BlockingEngine inline;
    private volatile boolean closing;
    /** Under the lock: close() has begun; nothing may be pushed and nothing unmapped is touched. */
    boolean closed;
    private volatile RingBrokenException broken;

    Submitter(RingConfig config, Engine engine, Slots slots, String name) {
        this.config = config;
        this.engine = engine;
        this.uring = engine instanceof UringEngine u ? u : null;
        this.slots = slots;
        this.faults = config.faults();
        this.tracer = config.tracer();
        this.counters = engine.counters();
        this.name = name;
        this.inline = new BlockingEngine(config); // its own counters; its pool starts no thread (ops run on their caller's)
    }

    void connect(Reaper reaper, WaitStrategy waits) {
        this.reaper = reaper;
        this.waits = waits;
    }

    // ---- state ---------------------------------------------------------------------------

    /** An unlocked look: refuses work once the ring is closing or broken. */
    void checkOpen() {
        RingBrokenException b = broken;
        if (b != null) throw b;
        if (closing) throw new IllegalStateException("ring is closed");
    }

    /** Under the lock, after any wait that released it: a push after close() would write into unmapped rings. */
    private void checkOpenLocked() {
        checkOpen();
    }

    boolean isBroken() {
        return broken != null;
    }

    RingBrokenException broken() {
        return broken;
    }

    /**
     * Marks the ring broken by {@code cause} (the first cause wins) and fails every op in flight:
     * waiting callers are woken to throw, sinks get {@link CompletionSink#onBroken}. Slots are not
     * recycled: the kernel may still complete them. Returns the exception callers now get.
     */
    RingBrokenException markBroken(Throwable cause) {
        lock.lock();
        try {
            if (broken != null) return broken;
            RingBrokenException e = new RingBrokenException(name, cause);
            broken = e;
            LOG.log(System.Logger.Level.ERROR, e.getMessage(), cause);
            for (int slot = 0; slot < slots.capacity; slot++) {
                Object t = slots.target[slot];
                if (t == null || slots.isDone(slot)) continue;
                slots.strand(slot); // the kernel may still read the op's path: never freed, even with the ring
                if (t instanceof Thread waiter) LockSupport.unpark(waiter); // it re-checks, sees the ring broken and throws
                else ((CompletionSink) t).onBroken(e);
            }
            slotFreed.signalAll();
            return e;
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: close() starts. Returns false if it already had. */
    boolean startClosing() {
        if (closed) return false;
        closed = true;
        closing = true;
        return true;
    }

    boolean isClosing() {
        return closing;
    }

    // ---- claiming ------------------------------------------------------------------------

    /** Under the lock: claims a slot and an SQE for one op (no chain). Returns its user_data. */
    long pushOne(Op op, Object target, long tag) {
        refuseWaitingLock(op);
        awaitSlots(1);
        checkOpenLocked();
        if (tracer != null) tracer.submitted(op);
        int fault = faults == null ? 0 : faults.inject(op);
        if (fault != 0 || (uring != null && (!uring.supports(op.opcode()) || routesToSyscall(op.opcode())))) {
            long ud = slots.claim(target, op, tag);
            runInline(new Op[] {op}, new long[] {ud}, fault == 0 ? null : new int[] {fault});
            return ud;
        }
        awaitRoom(1);
        long ud = slots.claim(target, op, tag);
        engine.push(op, ud);
        return ud;
    }

    /** Under the lock: claims slots and SQEs for a unit that must reach the kernel in one submission. */
    void pushUnit(Op[] ops, int n, Object target, long firstTag) {
        for (int i = 0; i < n; i++) refuseWaitingLock(ops[i]);
        awaitSlots(n);
        checkOpenLocked();
        if (tracer != null) for (int i = 0; i < n; i++) tracer.submitted(ops[i]);
        boolean runInline = false;
        int[] injected = null;
        for (int i = 0; i < n; i++) {
            runInline |= uring != null && (!uring.supports(ops[i].opcode()) || routesToSyscall(ops[i].opcode()));
            int fault = faults == null ? 0 : faults.inject(ops[i]);
            if (fault != 0) {
                if (injected == null) injected = new int[n];
                injected[i] = fault;
            }
        }
        if (runInline || injected != null) {
            long[] uds = new long[n];
            for (int i = 0; i < n; i++) uds[i] = slots.claim(target, ops[i], firstTag + i);
            runInline(ops, uds, injected);
            return;
        }
        awaitRoom(n);
        for (int i = 0; i < n; i++) engine.push(ops[i], slots.claim(target, ops[i], firstTag + i));
    }

    /**
     * F_OFD_SETLKW waits for another holder: queued or linked it would run under the submit lock (or
     * take a blocking-backend thread) for as long, stalling the ring. It runs alone, with call/callRaw.
     */
    private static void refuseWaitingLock(Op op) {
        if (op.opcode() == Op.SYSCALL_OFD_LOCK && op.opFlags == io.txring.uring.generated.uring_h.F_OFD_SETLKW) {
            throw new IllegalArgumentException("fcntl(F_OFD_SETLKW) waits: run it alone with Ring.call or callRaw, not queued, linked or async");
        }
    }

    private void awaitSlots(int n) {
        if (n > slots.capacity) throw new IllegalArgumentException(n + " ops exceed maxInFlight " + slots.capacity);
        while (slots.available() < n) {
            checkOpenLocked();
            flushLocked(0);
            waits.awaitFreeSlot(slotFreed);
        }
    }

    private void awaitRoom(int n) {
        while (engine.room() < n) {
            flushLocked(0);
            if (engine.room() >= n) break;
            int r = engine.awaitRoom();
            if (r < 0 && r != -Errno.EAGAIN && r != -Errno.EBUSY) throw markBroken(NativeException.of("io_uring_enter", null, r));
        }
    }

    /** Under the lock: callers waiting for a slot look again (the net, once a slice: their wait is untimed). */
    void signalSlotWaiters() {
        slotFreed.signalAll();
    }

    /** Under the lock: the slot's completion has been consumed. */
    void release(int slot) {
        slots.release(slot);
        slotFreed.signal();
    }

    // ---- handing SQEs to the kernel ------------------------------------------------------

    /**
     * Under the lock: hands every pushed op to the kernel (and, when {@code waitFor > 0}, waits
     * for that many completions in the same enter). Returns 0, or the {@code -errno} with which
     * the kernel refused the ops for good — they have then completed with it.
     */
    int flushLocked(int waitFor) {
        long retryUntil = 0;
        while (true) {
            int r = engine.flush(waitFor);
            int left = engine.unsubmitted();
            if (r >= 0 && left == 0) return 0;
            if (r > 0) continue; // partial: the kernel took some; the rest go in the next enter at once
            int errno = r < 0 ? r : -Errno.EAGAIN; // an enter that took nothing is one that could not
            if (errno == -Errno.ETIME) return 0; // a wait that timed out: the caller looks again
            if (errno == -Errno.EAGAIN || errno == -Errno.EBUSY) {
                long now = System.nanoTime();
                if (retryUntil == 0) retryUntil = now + RETRY_NANOS;
                if (now - retryUntil < 0) {
                    counters.add(RingMetrics.Counters.ENTER_RETRIES, 1);
                    if (reaper.reapIfFree() == 0) Thread.yield(); // the kernel wants completions consumed first
                    continue;
                }
            }
            if (left == 0) { // nothing left to fail: the wake-up or wait part of the enter failed, for good
                throw markBroken(NativeException.of("io_uring_enter", null, errno));
            }
            failUnsubmitted(errno);
            return errno;
        }
    }

    /** Under the lock: the kernel refused the pushed ops for good. */
    private void failUnsubmitted(int errno) {
        counters.add(RingMetrics.Counters.ENTER_FAILURES, 1);
        if (engine.retract(failSubmission, errno) < 0) {
            throw markBroken(NativeException.of("io_uring_enter", null, errno)); // SQPOLL: they cannot be taken back
        }
    }

    /** A taken-back SQE's op completes with the errno that kept it out of the kernel. */
    private void failSubmission(long userData, int res, int flags) {
        if (userData != UserData.INTERNAL) reaper.completeNow(userData, res, flags);
    }

    /** Under the lock: makes a reaper waiting in the kernel return (close). */
    void wakeReaper() {
        if (engine.room() == 0) flushLocked(0);
        engine.wakeup();
        flushLocked(0);
    }

    // ---- syscall routing -----------------------------------------------------------------

    /** Whether ops of {@code opcode} skip the ring as plain syscalls. */
    boolean routesToSyscall(int opcode) {
        return uring != null && opcode >= 0 && opcode < 64 && (config.syscallOpcodes() & (1L << opcode)) != 0;
    }

    /**
     * A routed op that is alone (no link, no direct descriptor) needs nothing from the ring:
     * it runs here, unlocked, so routed syscalls of different threads do not queue on the lock.
     * So does a syscall io_uring has no op for ({@link Op#isSyscallOnly}), on every backend.
     * Faults and tracers see it here as on the ring: tests run this path, not a locked copy.
     */
    boolean runsHere(Op op) {
        if (op.isLinked() || op.isFixedFile() || op.fileIndex != 0) return false;
        return Op.isSyscallOnly(op.opcode()) || routesToSyscall(op.opcode());
    }

    boolean allRunHere(Op[] ops) {
        for (Op op : ops) if (!runsHere(op)) return false;
        return true;
    }

    int runHere(Op op) {
        checkOpen();
        if (tracer != null) tracer.submitted(op);
        int fault = faults == null ? 0 : faults.inject(op);
        int res;
        if (fault != 0) {
            res = fault; // as the kernel would fail it: the syscall does not run
        } else if (op.mem == Op.MEM_NONE) {
            res = inline.execute(op, 0);
        } else {
            ScratchPool.Lease lease = ROUTED.acquire(op.memBytes());
            try {
                op.bind(lease.memory());
                res = inline.execute(op, 0);
            } finally {
                lease.release(); // the syscall has returned: nothing reads the path any more
            }
        }
        inline.counters().add(RingMetrics.Counters.SUBMITTED, 1);
        if (tracer != null) reaper.trace(op, res); // before the caller sees the result, as for a reaped op
        return res;
    }

    /** Runs ops the kernel's io_uring lacks (or whose failure is injected) as syscalls, here, under the lock. */
    private void runInline(Op[] ops, long[] uds, int[] injected) {
        int ran = inline.runLinked(ops, uds, injected, reaper::completeNow);
        inline.counters().add(RingMetrics.Counters.SUBMITTED, ran);
    }

    /** Ops run as syscalls beside the ring so far. */
    long inlineSubmitted() {
        return inline.counters().get(RingMetrics.Counters.SUBMITTED);
    }

    void closeInline() {
        inline.close();
    }
}
