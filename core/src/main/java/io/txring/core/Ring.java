package io.txring.core;

import io.txring.uring.NativeException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One io_uring instance (or, where io_uring is unavailable, the blocking fallback) with
 * three ways to use it over the same machinery:
 * <ol>
 *   <li>the seed's queue — {@link #queue()}: {@code send}, {@code barrier}, {@code get};</li>
 *   <li>futures — {@link #submitAsync(Op)}, {@link #submitChainAsync(Op...)};</li>
 *   <li>blocking calls — {@link #call(Op)}, {@link #callChain(Op...)}: the caller parks until
 *       its completion; a virtual thread frees its carrier meanwhile.</li>
 * </ol>
 * Thread safety: in {@link Mode#SHARED} and {@link Mode#SQPOLL} any thread may submit and
 * a reaper thread delivers completions. In {@link Mode#SINGLE_ISSUER} and
 * {@link Mode#SQPOLL_SINGLE_ISSUER} only the thread that opened the ring may use it; it reaps
 * while it waits. Completions of futures run on the
 * reaping thread: dependent stages must not block there (use the {@code *Async} variants).
 *
 * <p>This class is the facade; the machinery is in {@link Submitter} (the submit lock, slots,
 * SQEs, syscall routing and every {@code io_uring_enter} result), {@link Reaper} (the CQ's one
 * consumer at a time) and a {@link WaitStrategy} per mode. If the reaper fails, the ring is
 * broken: ops in flight fail and later calls throw {@link RingBrokenException} naming the cause.
 */
public final class Ring implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Ring.class.getName());

    private final RingConfig config;
    private final Engine engine;
    private final UringEngine uring;
    private final String fallbackCause;
    private final Mode mode;
    final Slots slots;
    final Submitter submitter;
    private final Reaper reaper;
    final WaitStrategy waits;
    /** Watches the hand-offs of parked waiters (null in owner mode, where nobody parks). */
    private final SafetyNet net;

    private Ring(RingConfig config, Engine engine, String fallbackCause) {
        this.config = config;
        this.engine = engine;
        this.uring = engine instanceof UringEngine u ? u : null;
        this.fallbackCause = fallbackCause;
        this.mode = uring != null ? uring.mode : Mode.SHARED;
        this.slots = new Slots(config.maxInFlight());
        String name = uring != null ? Integer.toString(uring.ringFd) : "blocking";
        this.name = uring != null ? "ring fd " + name : "blocking ring " + Integer.toHexString(System.identityHashCode(this));
        this.submitter = new Submitter(config, engine, slots, "ring " + name);
        boolean owned = mode.ownedByOpener();
        this.reaper = new Reaper(config, engine, slots, submitter, !owned, name);
        this.waits = WaitStrategy.of(mode, engine.backend(), submitter, reaper, slots);
        submitter.connect(reaper, waits);
        this.owner = owned ? Thread.currentThread() : null;
        if (waits instanceof WaitStrategy.Parking parking) {
            net = new SafetyNet(submitter, reaper, slots, engine, parking, name);
            parking.watchedBy(net);
        } else {
            net = null;
        }
        reaper.start();
        if (net != null) net.start();
        RingEvents.opened(this);
    }

    /** How JFR events and logs name this ring: its fd, or the blocking backend. */
    private final String name;

    String name() {
        return name;
    }

    /** Owner modes ({@link Mode#ownedByOpener()}): the only thread that may use the ring; null otherwise. */
    private final Thread owner;

    /** Opens a ring with {@link RingConfig#defaults()}. */
    public static Ring open() throws IOException {
        return open(RingConfig.defaults());
    }

    /**
     * Opens a ring. If io_uring is unavailable (seccomp, {@code kernel.io_uring_disabled},
     * an old kernel, a low memlock limit, liburing missing) and {@code config.backend()} is
     * not {@link Backend#IO_URING}, the blocking backend is used and the cause is logged
     * once and kept: see {@link #fallbackCause()}.
     */
    public static Ring open(RingConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        if (config.mode().ownedByOpener() && Thread.currentThread().isVirtual() && config.backend() != Backend.BLOCKING) {
            throw new IllegalStateException("a " + config.mode() + " ring must be opened on a platform thread: the kernel "
                    + "binds it to one task, and a virtual thread moves between carriers");
        }
        if (config.backend() == Backend.BLOCKING) {
            return new Ring(config, new BlockingEngine(config), "backend BLOCKING requested");
        }
        Availability.Result why = Availability.check();
        if (why.available()) {
            try {
                return new Ring(config, UringEngine.open(config), null);
            } catch (NativeException e) {
                if (config.backend() == Backend.IO_URING) throw e;
                why = Availability.explain(e);
            }
        } else if (config.backend() == Backend.IO_URING) {
            throw new IOException("io_uring is unavailable: " + why.cause());
        }
        Availability.logOnce(LOG, why.cause());
        return new Ring(config, new BlockingEngine(config), why.cause());
    }

    public Backend backend() { return engine.backend(); }

    /** The mode actually running (the blocking backend reports {@link Mode#SHARED}). */
    public Mode mode() { return mode; }

    /** Why the blocking backend runs instead of io_uring, or {@code null} when io_uring runs. */
    public String fallbackCause() { return fallbackCause; }

    /** The io_uring setup flags the kernel granted (0 for the blocking backend). */
    public int setupFlags() { return uring != null ? uring.setupFlags : 0; }

    /** Whether the kernel's io_uring runs {@code opcode}; others run as plain syscalls. */
    public boolean supports(int opcode) { return uring == null || uring.supports(opcode); }

    public RingConfig config() { return config; }

    /**
     * Whether ops of {@code opcode} skip the ring as plain syscalls ({@link RingConfig.Builder#runAsSyscalls}):
     * where a plain syscall beats io_uring's punt to a kernel worker.
     */
    public boolean routesToSyscall(int opcode) {
        return submitter.routesToSyscall(opcode);
    }

    public RingMetrics metrics() {
        return engine.counters().snapshot().plusInline(submitter.inlineSubmitted());
    }

    /** Whether the ring broke (its reaper failed, or the kernel refused the ring): see {@link RingBrokenException}. */
    public boolean isBroken() {
        return submitter.isBroken();
    }

    /** "io_uring SHARED" or "blocking (cause)" — for logs and the demo. */
    public String describe() {
        return uring != null ? "io_uring " + mode + " (setup flags 0x" + Integer.toHexString(uring.setupFlags) + ")"
                : "blocking fallback (" + fallbackCause + ")";
    }

    int uringFd() {
        if (uring == null) throw new IllegalStateException("not an io_uring ring: " + describe());
        return uring.ringFd;
    }

    /** A new queue over this ring, for one thread: see {@link OpQueue}. */
    public OpQueue queue() {
        return new OpQueue(this, 4096);
    }

    /** A new queue that holds up to {@code capacity} uncollected results. */
    public OpQueue queue(int capacity) {
        return new OpQueue(this, capacity);
    }

    /**
     * Registers buffers for {@link Op#prepReadFixed}/{@link Op#prepWriteFixed}; index i names
     * {@code buffers[i]}. The blocking backend accepts them as plain memory.
     */
    public void registerBuffers(MemorySegment... buffers) throws NativeException {
        if (uring == null) return;
        int r = uring.registerBuffers(buffers);
        if (r < 0) throw NativeException.of("io_uring_register_buffers", null, r);
    }

    // ---- blocking calls ------------------------------------------------------------------

    /** Runs {@code op} and parks until it completes; returns its result or throws naming op, path and errno. */
    public int call(Op op) throws NativeException {
        int res = callRaw(op);
        if (res < 0) throw NativeException.of(op.name(), op.path(), res);
        return res;
    }

    /**
     * Runs {@code op} as a plain syscall on the calling thread, whatever this ring routes where
     * (any thread, as for syscall-only ops); its tracer and faults see it as a routed op. For
     * work nobody waits on whose completion through the ring would cost a wake-up of whoever
     * reaps it — a directory's close after a commit. Returns the result or {@code -errno}. It
     * never waits on the ring, so a completion callback may call it too. Meant for ops that
     * complete at once as syscalls (close, statx, the metadata ops): a timeout would sleep on
     * the caller, and a cancel here sees none of the ring's ops.
     *
     * @throws IllegalArgumentException for a linked op, or one on a registered file or direct descriptor
     * @throws IllegalStateException    if the ring is closed (or {@link RingBrokenException} if broken)
     */
    public int callHere(Op op) {
        if (op.isLinked() || op.isFixedFile() || op.fileIndex != 0) {
            throw new IllegalArgumentException(op.name() + ": a linked op or one on a registered file or direct descriptor runs on the ring");
        }
        return submitter.runHere(op);
    }

    /** Like {@link #call} but returns a failure as {@code -errno}. */
    public int callRaw(Op op) {
        Thread me = Thread.currentThread();
        if (Op.isSyscallOnly(op.opcode()) && submitter.runsHere(op)) { // never touches the ring: any thread, also an owner mode's
            checkNotDelivering();
            return submitter.runHere(op);
        }
        checkCaller(me);
        if (submitter.runsHere(op)) return submitter.runHere(op);
        int slot;
        submitter.lock.lock();
        try {
            slot = UserData.slot(submitter.pushOne(op, me, 0));
            if (!waits.submitsWhileWaiting()) submitter.flushLocked(0); // a refusal has completed the op with its errno
        } finally {
            submitter.lock.unlock();
        }
        if (RingEvents.timingWaits()) { // a recording is on: time the wait (no event object otherwise)
            RingEvents.Wait e = new RingEvents.Wait();
            e.begin();
            waits.awaitSlot(slot);
            RingEvents.waited(e, name, 1);
        } else {
            waits.awaitSlot(slot);
        }
        int res = slots.res[slot];
        submitter.lock.lock();
        try {
            submitter.release(slot);
        } finally {
            submitter.lock.unlock();
        }
        return res;
    }

    /**
     * Runs {@code ops} as one linked chain (each but the last gets {@code IOSQE_IO_LINK}
     * unless it already has a link flag) and returns every op's result: {@code -ECANCELED}
     * for those a failed or short op cut off.
     */
    public int[] callChain(Op... ops) {
        checkCaller(Thread.currentThread());
        ChainResult chain = new ChainResult(ops.length, Thread.currentThread());
        submitChain(ops, chain, waits.submitsWhileWaiting());
        awaitTimed(chain, ops.length);
        return chain.resultsOrThrow(submitter);
    }

    /**
     * Runs {@code ops} in one submission and parks until all completed; returns every result
     * ({@code -errno} on failure). Ops are independent unless they carry link flags; a batch
     * larger than the ring is split, never inside a linked chain.
     */
    public int[] callBatch(Op... ops) {
        checkCaller(Thread.currentThread());
        if (ops.length == 0) return new int[0];
        if (submitter.allRunHere(ops)) {
            int[] res = new int[ops.length];
            for (int i = 0; i < ops.length; i++) res[i] = submitter.runHere(ops[i]);
            return res;
        }
        ChainResult batch = new ChainResult(ops.length, Thread.currentThread());
        for (int from = 0, n; from < ops.length; from += n) {
            n = Math.min(config.entries(), ops.length - from);
            if (from + n < ops.length) { // a chain's link ends at its submission: cut after an unlinked op
                int cut = n;
                while (cut > 0 && ops[from + cut - 1].isLinked()) cut--;
                if (cut == 0) throw new IllegalArgumentException("a linked chain in the batch exceeds the ring's " + config.entries() + " entries");
                n = cut;
            }
            Op[] part = from == 0 && n == ops.length ? ops : java.util.Arrays.copyOfRange(ops, from, from + n);
            submitter.lock.lock();
            try {
                submitter.pushUnit(part, n, batch, from);
                if (!waits.submitsWhileWaiting()) submitter.flushLocked(0); // a refusal has completed the ops with its errno
            } finally {
                submitter.lock.unlock();
            }
        }
        awaitTimed(batch, ops.length);
        return batch.resultsOrThrow(submitter);
    }

    private void awaitTimed(ChainResult ops, int count) {
        if (!RingEvents.timingWaits()) {
            waits.awaitChain(ops);
            return;
        }
        RingEvents.Wait e = new RingEvents.Wait();
        e.begin();
        waits.awaitChain(ops);
        RingEvents.waited(e, name, count);
    }

    // ---- futures -------------------------------------------------------------------------

    /** Submits {@code op}; the future completes with its result, or exceptionally with a {@link NativeException}. */
    public CompletableFuture<Integer> submitAsync(Op op) {
        checkCaller(Thread.currentThread());
        FutureResult f = new FutureResult();
        submitter.lock.lock();
        try {
            submitter.pushOne(op, f, 0);
            submitter.flushLocked(0); // a refusal has completed the future with its errno
        } finally {
            submitter.lock.unlock();
        }
        return f;
    }

    /** Submits a linked chain; the future completes with every op's result once all completed. */
    public CompletableFuture<int[]> submitChainAsync(Op... ops) {
        checkCaller(Thread.currentThread());
        ChainResult chain = new ChainResult(ops.length, null);
        submitChain(ops, chain, false);
        return chain.future;
    }

    /** {@code atWait}: the caller waits next, and its wait submits (owner mode: one trap for both). */
    private void submitChain(Op[] ops, ChainResult chain, boolean atWait) {
        if (ops.length == 0) throw new IllegalArgumentException("empty chain");
        if (ops.length > config.entries()) {
            throw new IllegalArgumentException("a chain of " + ops.length + " ops exceeds the ring's " + config.entries() + " entries");
        }
        for (int i = 0; i < ops.length - 1; i++) if (!ops[i].isLinked()) ops[i].link();
        submitter.lock.lock();
        try {
            submitter.pushUnit(ops, ops.length, chain, 0);
            if (!atWait) submitter.flushLocked(0); // a refusal has completed the chain's ops with its errno
        } finally {
            submitter.lock.unlock();
        }
    }

    // ---- for OpQueue ---------------------------------------------------------------------

    void checkCaller(Thread t) {
        submitter.checkOpen();
        checkNotDelivering();
        if (owner != null && owner != t) {
            throw new IllegalStateException("this ring is " + mode + ", owned by " + owner + "; called from " + t);
        }
    }

    private void checkNotDelivering() {
        if (reaper.isDelivering()) { // a future's callback, run while this thread delivers completions
            throw new IllegalStateException("blocking on the ring while delivering its completions would deadlock; use an *Async stage");
        }
    }

    /** SQPOLL: publish every op at once (no trap; the kernel thread is polling). Others batch until a flush. */
    boolean publishEagerly() {
        return mode.polled();
    }

    /** Waits once for {@code want} more completions (owner mode waits for them in one trap); the caller re-checks. */
    void waitFor(int want) {
        waits.waitFor(want);
    }

    // ---- closing -------------------------------------------------------------------------

    /** Waits for every op in flight, then tears the ring down (at once if the ring is broken). */
    @Override
    public void close() {
        submitter.lock.lock();
        try {
            if (!submitter.startClosing()) return;
            if (!submitter.isBroken()) {
                try {
                    submitter.flushLocked(0);
                    if (reaper.thread != null) submitter.wakeReaper();
                } catch (RingBrokenException e) {
                    // the ring broke while closing: tear it down below
                }
            }
        } finally {
            submitter.lock.unlock();
        }
        if (reaper.thread != null) {
            // Never unmap under a live reaper. Callers may reap the wake-up NOP themselves (reapIfFree),
            // leaving the reaper asleep in the kernel: wake it again until it has seen the ring drained.
            boolean interrupted = false;
            while (reaper.thread.isAlive()) {
                try {
                    reaper.thread.join(10);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                if (reaper.thread.isAlive()) {
                    submitter.lock.lock();
                    try {
                        submitter.wakeReaper();
                    } catch (RingBrokenException e) {
                        // broken: the reaper stops on its own once its wait returns
                    } finally {
                        submitter.lock.unlock();
                    }
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            if (net != null) net.stop();
        } else {
            while (slots.inFlight() > 0 && !submitter.isBroken()) {
                try {
                    waits.waitFor(1);
                } catch (RingBrokenException e) {
                    break;
                }
            }
        }
        RingEvents.closed(this);
        engine.close();
        submitter.closeInline();
    }

    /** For diagnostics: the rings' words and every slot in flight. */
    String debugState() {
        StringBuilder b = new StringBuilder(describe()).append('\n');
        if (uring != null) b.append(uring.debugState()).append('\n');
        b.append("cqLock held=").append(reaper.cqLock.isLocked()).append(" submit lock held=").append(submitter.lock.isLocked())
                .append(" broken=").append(submitter.broken()).append('\n');
        for (int i = 0; i < slots.capacity; i++) {
            Object t = slots.target[i];
            if (t == null) continue;
            b.append("slot ").append(i).append(" done=").append(slots.isDone(i)).append(" res=").append(slots.res[i])
                    .append(" op=").append(slots.op[i]).append(" target=")
                    .append(t instanceof Thread th ? th + " " + th.getState() : t).append('\n');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "Ring[" + describe() + "]";
    }

    /** A future completed from the reaper. */
    static final class FutureResult extends CompletableFuture<Integer> implements CompletionSink {
        @Override
        public void onCompletion(long tag, Op op, int res, int flags) {
            if (res >= 0) complete(res);
            else completeExceptionally(NativeException.of(op.name(), op.path(), res));
        }

        @Override
        public void onBroken(RingBrokenException e) {
            completeExceptionally(e);
        }
    }

    /** Results of a linked chain: filled in completion order, done when every op reported. */
    static final class ChainResult implements CompletionSink {
        final int[] results;
        final CompletableFuture<int[]> future = new CompletableFuture<>();
        private final Thread waiter;
        /** Counted down by the reaper and, for ops run inline, by submitters: atomic. */
        private final AtomicInteger remaining;

        /** Set once the last completion's unpark has been issued (for the safety net). */
        volatile boolean unparked;

        Thread waiter() {
            return waiter;
        }

        ChainResult(int n, Thread waiter) {
            this.results = new int[n];
            this.remaining = new AtomicInteger(n);
            this.waiter = waiter;
        }

        @Override
        public void onCompletion(long tag, Op op, int res, int flags) {
            results[(int) tag] = res;
            if (remaining.decrementAndGet() == 0) {
                future.complete(results);
                if (waiter != null) LockSupport.unpark(waiter);
                unparked = true;
            }
        }

        @Override
        public void onBroken(RingBrokenException e) {
            if (future.completeExceptionally(e) && waiter != null) LockSupport.unpark(waiter); // it sees the ring broken and throws
        }

        boolean isDone() {
            return future.isDone();
        }

        /** Completions still to come (owner mode waits for all of them in one trap). */
        int remaining() {
            return remaining.get();
        }

        /** Once done: the results, or the ring's {@link RingBrokenException} if it broke first. */
        int[] resultsOrThrow(Submitter submitter) {
            if (future.isCompletedExceptionally()) throw submitter.broken();
            return results;
        }
    }
}
