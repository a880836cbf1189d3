package io.txring.core;

import static io.txring.uring.generated.uring_h.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.txring.uring.generated.Errno;
import io.txring.uring.LibUring;
import io.txring.uring.NativeException;
import io.txring.uring.generated.io_uring;
import io.txring.uring.generated.io_uring_cq;
import io.txring.uring.generated.io_uring_cqe;
import io.txring.uring.generated.io_uring_params;
import io.txring.uring.generated.io_uring_probe;
import io.txring.uring.generated.io_uring_probe_op;
import io.txring.uring.generated.io_uring_sq;
import io.txring.uring.generated.io_uring_sqe;
import io.txring.uring.generated.iovec;
import io.txring.uring.internal.RawMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One io_uring instance: setup, probe and registration here (liburing's {@code setup.c}
 * and {@code register.c}); the per-op path lives in {@link SubmissionRing} and
 * {@link CompletionRing}.
 */
final class UringEngine implements Engine {
    private static final Op WAKE = new Op();

    private final Arena arena;
    private final MemorySegment ring;
    final int ringFd;
    final int setupFlags;
    final int features;
    final Mode mode;
    private final boolean sqpoll;
    private final boolean deferTaskrun;
    private final SubmissionRing sq;
    private final CompletionRing cq;
    private final boolean[] supported = new boolean[256];
    private final RingMetrics.Counters counters = new RingMetrics.Counters();
    /** Tests: may make one submitting enter fail without entering the kernel. */
    private final Faults faults;
    private volatile boolean closed;

    private UringEngine(Arena arena, MemorySegment ring, int setupFlags, int features, Mode mode, Faults faults) {
        this.faults = faults;
        this.arena = arena;
        this.ring = ring;
        this.setupFlags = setupFlags;
        this.features = features;
        this.mode = mode;
        this.sqpoll = (setupFlags & IORING_SETUP_SQPOLL) != 0;
        this.deferTaskrun = (setupFlags & IORING_SETUP_DEFER_TASKRUN) != 0;
        this.ringFd = ring.get(JAVA_INT, io_uring.ring_fd$OFFSET);
        long sqBase = io_uring.sq$OFFSET, cqBase = io_uring.cq$OFFSET;
        int sqEntries = ring.get(JAVA_INT, sqBase + io_uring_sq.ring_entries$OFFSET);
        int sqMask = ring.get(JAVA_INT, sqBase + io_uring_sq.ring_mask$OFFSET);
        int cqEntries = ring.get(JAVA_INT, cqBase + io_uring_cq.ring_entries$OFFSET);
        int cqMask = ring.get(JAVA_INT, cqBase + io_uring_cq.ring_mask$OFFSET);
        this.sq = new SubmissionRing(
                word(sqBase + io_uring_sq.khead$OFFSET), word(sqBase + io_uring_sq.ktail$OFFSET),
                word(sqBase + io_uring_sq.kflags$OFFSET),
                pointee(sqBase + io_uring_sq.array$OFFSET, 4L * sqEntries),
                pointee(sqBase + io_uring_sq.sqes$OFFSET, io_uring_sqe.SIZEOF * sqEntries), sqEntries, sqMask);
        this.cq = new CompletionRing(
                word(cqBase + io_uring_cq.khead$OFFSET), word(cqBase + io_uring_cq.ktail$OFFSET),
                pointee(cqBase + io_uring_cq.cqes$OFFSET, io_uring_cqe.SIZEOF * cqEntries), cqEntries, cqMask);
        readProbe();
    }

    private MemorySegment word(long pointerOffset) {
        return pointee(pointerOffset, 4);
    }

    private MemorySegment pointee(long pointerOffset, long size) {
        return RawMemory.wrap(ring.get(ADDRESS, pointerOffset), size);
    }

    /**
     * Sets up a ring for {@code config}. Flags the kernel does not know are dropped one
     * group at a time (newest first); the flags actually granted are what the ring reports.
     */
    static UringEngine open(RingConfig config) throws NativeException {
        int base = IORING_SETUP_CQSIZE;
        int[] candidates = switch (config.mode()) {
            case SQPOLL -> new int[] {
                    base | IORING_SETUP_SQPOLL | IORING_SETUP_SUBMIT_ALL,
                    base | IORING_SETUP_SQPOLL};
            // No COOP_TASKRUN here: a submitter parked in a futex would not be interrupted to run the
            // task work that posts its io-wq completions, and the reaper cannot run it for it.
            case SHARED -> new int[] {base | IORING_SETUP_SUBMIT_ALL, base};
            case SINGLE_ISSUER -> new int[] {
                    base | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
                    base | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
                    base};
            case SQPOLL_SINGLE_ISSUER -> new int[] { // DEFER_TASKRUN is refused with SQPOLL
                    base | IORING_SETUP_SQPOLL | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER,
                    base | IORING_SETUP_SQPOLL};
        };
        if (config.mode().polled()) {
            int extra = (config.sqThreadCpu() >= 0 ? IORING_SETUP_SQ_AFF : 0)
                    | (config.shareSqThreadOf() != null ? IORING_SETUP_ATTACH_WQ : 0);
            for (int i = 0; i < candidates.length; i++) candidates[i] |= extra;
        }
        int ret = -Errno.EINVAL;
        for (int flags : candidates) {
            Arena arena = Arena.ofShared();
            MemorySegment ring = arena.allocate(io_uring.LAYOUT);
            MemorySegment params = arena.allocate(io_uring_params.LAYOUT);
            params.set(JAVA_INT, io_uring_params.flags$OFFSET, flags);
            params.set(JAVA_INT, io_uring_params.cq_entries$OFFSET, config.cqEntries());
            params.set(JAVA_INT, io_uring_params.sq_thread_idle$OFFSET, (int) Math.max(1, config.sqThreadIdle().toMillis()));
            params.set(JAVA_INT, io_uring_params.sq_thread_cpu$OFFSET, Math.max(0, config.sqThreadCpu()));
            if ((flags & IORING_SETUP_ATTACH_WQ) != 0) {
                params.set(JAVA_INT, io_uring_params.wq_fd$OFFSET, config.shareSqThreadOf().uringFd());
            }
            ret = LibUring.queueInitParams(config.entries(), ring, params);
            if (ret == 0) {
                int granted = params.get(JAVA_INT, io_uring_params.flags$OFFSET);
                int features = params.get(JAVA_INT, io_uring_params.features$OFFSET);
                return adopt(arena, ring, granted, features, config);
            }
            arena.close();
            if (ret != -Errno.EINVAL) break; // EPERM, ENOMEM, ENOSYS: no flag set will help
        }
        throw NativeException.of("io_uring_queue_init_params", null, ret);
    }

    private static UringEngine adopt(Arena arena, MemorySegment ring, int flags, int features, RingConfig config)
            throws NativeException {
        UringEngine e = new UringEngine(arena, ring, flags, features, config.mode(), config.faults());
        if (config.registeredFiles() > 0) {
            int r = LibUring.registerFilesSparse(ring, config.registeredFiles());
            if (r < 0) {
                e.close();
                throw NativeException.of("io_uring_register_files_sparse", null, r);
            }
        }
        return e;
    }

    private void readProbe() {
        MemorySegment probe = LibUring.getProbeRing(ring);
        if (probe.equals(MemorySegment.NULL)) return; // pre-5.6: run nothing on io_uring that needs a probe
        try {
            int n = Byte.toUnsignedInt(probe.get(JAVA_BYTE, io_uring_probe.ops_len$OFFSET));
            for (int i = 0; i < n && i < supported.length; i++) {
                long op = io_uring_probe.ops$OFFSET + i * io_uring_probe_op.SIZEOF;
                short f = probe.get(JAVA_SHORT, op + io_uring_probe_op.flags$OFFSET);
                supported[Byte.toUnsignedInt(probe.get(JAVA_BYTE, op + io_uring_probe_op.op$OFFSET))] = (f & IO_URING_OP_SUPPORTED) != 0;
            }
        } finally {
            LibUring.freeProbe(probe);
        }
    }

    boolean supports(int opcode) {
        return supported[opcode & 0xff];
    }

    /** Registers buffers for READ_FIXED/WRITE_FIXED. */
    int registerBuffers(MemorySegment[] buffers) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment iov = a.allocate(iovec.LAYOUT, buffers.length);
            for (int i = 0; i < buffers.length; i++) {
                long b = i * iovec.SIZEOF;
                iov.set(ADDRESS, b + iovec.iov_base$OFFSET, buffers[i]);
                iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, b + iovec.iov_len$OFFSET, buffers[i].byteSize());
            }
            return LibUring.registerBuffers(ring, iov, buffers.length);
        }
    }

    @Override
    public Backend backend() {
        return Backend.IO_URING;
    }

    @Override
    public int room() {
        return sq.room();
    }

    @Override
    public void push(Op op, long userData) {
        sq.write(op, userData);
    }

    @Override
    public int flush(int waitFor) {
        sq.publish();
        int toSubmit = sq.unsubmitted();
        if (sqpoll) {
            sq.markSubmitted(toSubmit); // the kernel thread takes every published SQE from the tail
            counters.add(RingMetrics.Counters.SUBMITTED, toSubmit);
            int flags = 0;
            // Wake a sleeping poller whenever it has SQEs to consume, not only for new ones: a wake-up
            // enter that failed and was retried finds toSubmit 0 but the SQEs still waiting.
            if (sq.unconsumed() > 0 && sq.needsWakeup()) {
                flags |= IORING_ENTER_SQ_WAKEUP;
                counters.add(RingMetrics.Counters.WAKEUPS, 1);
            }
            if (waitFor > 0) flags |= IORING_ENTER_GETEVENTS;
            return flags == 0 ? 0 : enter(0, waitFor, flags);
        }
        if (toSubmit == 0 && waitFor == 0 && !deferTaskrun) return 0;
        int ret = toSubmit > 0 && faults != null ? faults.injectEnter() : 0;
        // DEFER_TASKRUN: completions of punted ops are posted only by an enter with GETEVENTS
        // from the owner, so every flush asks for them (liburing's io_uring_get_events).
        if (ret == 0) ret = enter(toSubmit, waitFor, waitFor > 0 || deferTaskrun ? IORING_ENTER_GETEVENTS : 0);
        if (ret > 0) {
            sq.markSubmitted(ret); // what the kernel took; a partial submission leaves the rest for the next enter
            counters.add(RingMetrics.Counters.SUBMITTED, ret);
        }
        return ret;
    }

    @Override
    public int unsubmitted() {
        return sq.unsubmitted();
    }

    @Override
    public long sqMark() {
        return sq.mark();
    }

    @Override
    public int retract(CompletionDispatch failed, int res) {
        if (sqpoll) return -1;
        int end = sq.unconsumed();
        int from = sq.retract();
        for (int i = 0; i < end; i++) failed.complete(sq.userDataAt(from + i), res, 0);
        return end;
    }

    @Override
    public int awaitRoom() {
        if (sqpoll) return enter(0, 0, IORING_ENTER_SQ_WAIT); // sleeps until the kernel thread consumed some SQEs
        Thread.onSpinWait(); // not reached after a flush that succeeded: every SQE was consumed or taken back
        return 0;
    }

    private int enter(int toSubmit, int minComplete, int flags) {
        counters.add(RingMetrics.Counters.ENTERS, 1);
        int ret;
        do {
            ret = LibUring.enter(ringFd, toSubmit, minComplete, flags);
        } while (ret == -Errno.EINTR);
        return ret;
    }

    /** A wait's result: EAGAIN, EBUSY and ETIME only mean "look again"; anything else is a broken ring. */
    private static void checkWait(int ret) {
        if (ret < 0 && ret != -Errno.EAGAIN && ret != -Errno.EBUSY && ret != -Errno.ETIME) {
            throw new java.io.UncheckedIOException(NativeException.of("io_uring_enter", null, ret));
        }
    }

    @Override
    public boolean hasCompletions() {
        return cq.hasCompletions();
    }

    @Override
    public int reap(CompletionDispatch sink, int max) {
        int n = cq.ready(max);
        if (n == 0) {
            if (flushOverflow()) n = cq.ready(max);
            if (n == 0) return 0;
        }
        counters.add(RingMetrics.Counters.COMPLETED, n); // before delivery: a caller woken by it sees the count
        return cq.drain(sink, n);
    }

    /**
     * The kernel keeps completions that did not fit the CQ in a backlog (IORING_FEAT_NODROP)
     * and raises IORING_SQ_CQ_OVERFLOW; an enter with GETEVENTS moves them into the CQ.
     */
    private boolean flushOverflow() {
        if (!sq.cqOverflowed()) return false;
        counters.add(RingMetrics.Counters.OVERFLOWS, 1);
        checkWait(enter(0, 0, IORING_ENTER_GETEVENTS));
        return true;
    }

    /** SQPOLL: how long the reaper polls the CQ before it sleeps in the kernel (a trap). */
    private static final long SQPOLL_REAP_SPIN_NANOS = 50_000;
    /** SQPOLL: after spinning, how long the reaper keeps polling with yields before it enters the kernel. */
    private static final long SQPOLL_REAP_YIELD_NANOS = 2_000_000;

    @Override
    public void awaitCompletions() {
        if (cq.hasCompletions()) return;
        if (sqpoll) { // the kernel thread completes ops within microseconds: poll, as it does, before sleeping
            long start = System.nanoTime();
            do {
                Thread.onSpinWait();
                if (cq.hasCompletions()) return;
            } while (System.nanoTime() - start < SQPOLL_REAP_SPIN_NANOS);
            do { // then keep polling but give the CPU to runnable threads (the submitter) between looks
                Thread.yield();
                if (cq.hasCompletions()) return;
            } while (System.nanoTime() - start < SQPOLL_REAP_YIELD_NANOS);
        }
        if (flushOverflow()) return;
        checkWait(enter(0, 1, IORING_ENTER_GETEVENTS));
    }

    @Override
    public long cqMark() {
        return cq.mark();
    }

    /** Writes an internal NOP whose completion makes a reaper waiting in {@code io_uring_enter} return. Under the submit lock. */
    @Override
    public void wakeup() {
        if (sq.room() > 0) sq.write(WAKE, UserData.INTERNAL);
    }

    /** For diagnostics: both rings' heads and tails. */
    String debugState() {
        return sq.debugState() + "; " + cq.debugState();
    }

    @Override
    public RingMetrics.Counters counters() {
        return counters;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        LibUring.queueExit(ring);
        arena.close();
    }
}
