package io.txring.core;

import io.txring.uring.NativeException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

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
 * a reaper thread delivers completions. In {@link Mode#SINGLE_ISSUER} only the thread that
 * opened the ring may use it; it reaps while it waits. Completions of futures run on the
 * reaping thread: dependent stages must not block there (use the {@code *Async} variants).
 */
public final class Ring implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Ring.class.getName());
    private static final int REAP_BATCH = 256;

    private final RingConfig config;
    private final Engine engine;
    private final UringEngine uring;
    private final String fallbackCause;
    private final Mode mode;
    final Slots slots;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition slotFreed = lock.newCondition();
    /** The CQ has one consumer at a time: the reaper, or (SHARED) a caller whose op completed during its own submit. */
    private final ReentrantLock cqLock = new ReentrantLock();
    /** SHARED on io_uring: blocked callers may wait in the kernel and reap (see reapAsWaiter). */
    private final boolean waiterReaps;
    private final Thread owner;
    private final Thread reaper;
    private final Engine.CompletionDispatch dispatch = this::deliver;
    private final Faults faults;
    private final OpTracer tracer;
    /** Slots delivered by the current reap, recycled together under one lock. */
    private final int[] reaped;
    private int reapedCount;
    private BlockingEngine inline;
    /** Lone routed ops run on the calling thread, without the lock (faults and tracers need the locked path). */
    private final boolean routesHere;
    private volatile boolean closing;
    private boolean closed;
    /** Under the lock: {@link #sleepOnce} found SQEs left unsubmitted and has said so. */
    private boolean leftoverReported;

    private Ring(RingConfig config, Engine engine, String fallbackCause) {
        this.config = config;
        this.engine = engine;
        this.uring = engine instanceof UringEngine u ? u : null;
        this.fallbackCause = fallbackCause;
        this.mode = uring != null ? uring.mode : Mode.SHARED;
        this.waiterReaps = uring != null && mode == Mode.SHARED;
        this.slots = new Slots(config.maxInFlight());
        this.faults = config.faults();
        this.tracer = config.tracer();
        this.reaped = new int[config.maxInFlight()];
        this.routesHere = uring != null && faults == null && tracer == null && config.syscallOpcodes() != 0;
        if (routesHere) inline = new BlockingEngine(config);
        if (mode == Mode.SINGLE_ISSUER) {
            owner = Thread.currentThread();
            reaper = null;
        } else {
            owner = null;
            reaper = Thread.ofPlatform().daemon().name("txring-reaper-" + (uring != null ? uring.ringFd : "blocking"))
                    .unstarted(this::reapLoop);
            reaper.start();
        }
    }

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
        if (config.mode() == Mode.SINGLE_ISSUER && Thread.currentThread().isVirtual() && config.backend() != Backend.BLOCKING) {
            throw new IllegalStateException("a SINGLE_ISSUER ring must be opened on a platform thread: the kernel "
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
        return uring != null && opcode >= 0 && opcode < 64 && (config.syscallOpcodes() & (1L << opcode)) != 0;
    }

    public RingMetrics metrics() {
        RingMetrics m = engine.counters().snapshot();
        if (inline == null) return m;
        return new RingMetrics(m.submitted(), m.completed(), m.enters(), m.wakeups(), m.cqOverflows(),
                inline.counters().snapshot().submitted());
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

    /** Like {@link #call} but returns a failure as {@code -errno}. */
    public int callRaw(Op op) {
        Thread me = Thread.currentThread();
        checkCaller(me);
        if (runsHere(op)) return runHere(op);
        int slot;
        lock.lock();
        try {
            slot = UserData.slot(pushOne(op, me, 0));
            flushLocked(0);
        } finally {
            lock.unlock();
        }
        awaitSlot(slot);
        int res = slots.res[slot];
        lock.lock();
        try {
            releaseLocked(slot);
        } finally {
            lock.unlock();
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
        submitChain(ops, chain);
        awaitChain(chain);
        return chain.results;
    }

    /**
     * Runs {@code ops} in one submission and parks until all completed; returns every result
     * ({@code -errno} on failure). Ops are independent unless they carry link flags; a batch
     * larger than the ring is split, never inside a linked chain.
     */
    public int[] callBatch(Op... ops) {
        checkCaller(Thread.currentThread());
        if (ops.length == 0) return new int[0];
        if (allRunHere(ops)) {
            int[] res = new int[ops.length];
            for (int i = 0; i < ops.length; i++) res[i] = runHere(ops[i]);
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
            lock.lock();
            try {
                pushUnit(part, n, batch, from);
                flushLocked(0);
            } finally {
                lock.unlock();
            }
        }
        awaitChain(batch);
        return batch.results;
    }

    // ---- futures -------------------------------------------------------------------------

    /** Submits {@code op}; the future completes with its result, or exceptionally with a {@link NativeException}. */
    public CompletableFuture<Integer> submitAsync(Op op) {
        checkCaller(Thread.currentThread());
        FutureResult f = new FutureResult();
        lock.lock();
        try {
            pushOne(op, f, 0);
            flushLocked(0);
        } finally {
            lock.unlock();
        }
        return f;
    }

    /** Submits a linked chain; the future completes with every op's result once all completed. */
    public CompletableFuture<int[]> submitChainAsync(Op... ops) {
        checkCaller(Thread.currentThread());
        ChainResult chain = new ChainResult(ops.length, null);
        submitChain(ops, chain);
        return chain.future;
    }

    private void submitChain(Op[] ops, ChainResult chain) {
        if (ops.length == 0) throw new IllegalArgumentException("empty chain");
        if (ops.length > config.entries()) {
            throw new IllegalArgumentException("a chain of " + ops.length + " ops exceeds the ring's " + config.entries() + " entries");
        }
        for (int i = 0; i < ops.length - 1; i++) if (!ops[i].isLinked()) ops[i].link();
        lock.lock();
        try {
            pushUnit(ops, ops.length, chain, 0);
            flushLocked(0);
        } finally {
            lock.unlock();
        }
    }

    // ---- the machinery (package-private for OpQueue) -------------------------------------

    ReentrantLock lock() { return lock; }

    void checkCaller(Thread t) {
        if (closing) throw new IllegalStateException("ring is closed");
        if (cqLock.isHeldByCurrentThread()) { // a future's callback, run while this thread delivers completions
            throw new IllegalStateException("blocking on the ring while delivering its completions would deadlock; use an *Async stage");
        }
        if (owner != null && owner != t) {
            throw new IllegalStateException("this ring is SINGLE_ISSUER, owned by " + owner + "; called from " + t);
        }
        if (t == reaper) {
            throw new IllegalStateException("blocking on the ring from its own reaper thread would deadlock; use an *Async stage");
        }
    }

    /**
     * Under the lock, after any wait that released it: {@link #checkCaller}'s look was
     * unlocked, and a push after {@link #close} would write into unmapped rings.
     */
    private void ensureOpenLocked() {
        if (closing) throw new IllegalStateException("ring is closed");
    }

    /** Under the lock: claims a slot and an SQE for one op (no chain). Returns its user_data. */
    long pushOne(Op op, Object target, long tag) {
        awaitSlots(1);
        ensureOpenLocked();
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
        awaitSlots(n);
        ensureOpenLocked();
        boolean inline = false;
        int[] injected = null;
        for (int i = 0; i < n; i++) {
            inline |= uring != null && (!uring.supports(ops[i].opcode()) || routesToSyscall(ops[i].opcode()));
            int fault = faults == null ? 0 : faults.inject(ops[i]);
            if (fault != 0) {
                if (injected == null) injected = new int[n];
                injected[i] = fault;
            }
        }
        if (inline || injected != null) {
            long[] uds = new long[n];
            for (int i = 0; i < n; i++) uds[i] = slots.claim(target, ops[i], firstTag + i);
            runInline(ops, uds, injected);
            return;
        }
        awaitRoom(n);
        for (int i = 0; i < n; i++) engine.push(ops[i], slots.claim(target, ops[i], firstTag + i));
    }

    /**
     * A routed op that is alone (no link, no direct descriptor) needs nothing from the ring:
     * it runs here, unlocked, so routed syscalls of different threads do not queue on the lock.
     */
    private boolean runsHere(Op op) {
        return routesHere && !op.isLinked() && !op.isFixedFile() && op.fileIndex == 0 && routesToSyscall(op.opcode());
    }

    private boolean allRunHere(Op[] ops) {
        if (!routesHere) return false;
        for (Op op : ops) if (!runsHere(op)) return false;
        return true;
    }

    private int runHere(Op op) {
        if (closing) throw new IllegalStateException("ring is closed");
        int res = inline.execute(op, 0);
        inline.counters().add(RingMetrics.Counters.SUBMITTED, 1);
        return res;
    }

    private void awaitSlots(int n) {
        if (n > slots.capacity) throw new IllegalArgumentException(n + " ops exceed maxInFlight " + slots.capacity);
        while (slots.available() < n) {
            flushLocked(0);
            if (owner != null) {
                drive();
            } else {
                try {
                    slotFreed.awaitNanos(WAIT_SLICE_NANOS); // the loop flushes again: see WAIT_SLICE_NANOS
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // keep the flag; the slot is still needed
                }
            }
        }
    }

    private void awaitRoom(int n) {
        while (engine.room() < n) {
            int r = flushLocked(0);
            if (engine.room() >= n) break;
            if (owner != null && r < 0) drive(); // EBUSY: the kernel wants its completions reaped first
            else engine.awaitRoom();
        }
    }

    /** SQPOLL: publish every op at once (no trap; the kernel thread is polling). Others batch until a flush. */
    boolean publishEagerly() {
        return mode == Mode.SQPOLL;
    }

    /** Under the lock: hands pushed ops to the kernel. */
    int flushLocked(int waitFor) {
        return engine.flush(waitFor);
    }

    /** Runs ops the kernel's io_uring lacks (or whose failure is injected) as syscalls, here, under the lock. */
    private void runInline(Op[] ops, long[] uds, int[] injected) {
        int ran = inlineEngine().runLinked(ops, uds, injected, (ud, res, flags) -> complete(ud, res, flags, true));
        inline.counters().add(RingMetrics.Counters.SUBMITTED, ran);
    }

    private BlockingEngine inlineEngine() {
        if (inline == null) inline = new BlockingEngine(config);
        return inline;
    }

    /** Reaper side: one raw completion. */
    private void deliver(long userData, int res, int flags) {
        if (userData != UserData.INTERNAL) complete(userData, res, flags, false);
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
            return;
        }
        ((CompletionSink) t).onCompletion(slots.tag[slot], slots.op[slot], res, flags);
        if (now) releaseLocked(slot);
        else reaped[reapedCount++] = slot;
    }

    /** A tracer's failure must not stop the delivery of completions: it is logged and ignored. */
    private void trace(Op op, int res) {
        try {
            tracer.completed(op, res);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "txring tracer failed on " + op + ": " + e, e);
        }
    }

    private void recycleReaped() {
        if (reapedCount == 0) return;
        lock.lock();
        try {
            while (reapedCount > 0) releaseLocked(reaped[--reapedCount]);
        } finally {
            lock.unlock();
        }
    }

    void releaseLocked(int slot) {
        slots.release(slot);
        slotFreed.signal();
    }

    void drive() {
        drive(1);
    }

    /**
     * Owner mode: submits what is pending, waits until {@code want} completions are ready
     * (one trap for a whole batch; {@code want} must not exceed the ops in flight), and
     * delivers all that are ready.
     */
    void drive(int want) {
        lock.lock();
        try {
            if (engine.reap(dispatch, REAP_BATCH) == 0) {
                int r = flushLocked(Math.max(1, Math.min(want, slots.inFlight())));
                if (r < 0) engine.awaitCompletions(); // EBUSY: flush the overflow backlog instead
                engine.reap(dispatch, REAP_BATCH);
            }
            while (reapedCount > 0) releaseLocked(reaped[--reapedCount]);
        } finally {
            lock.unlock();
        }
    }

    /** Parks (or, in owner mode, drives the ring) until {@code slot} completed. */
    private void awaitSlot(int slot) {
        if (owner == null && !slots.isDone(slot)) {
            reapIfReady();
            if (mode == Mode.SQPOLL) { // the kernel thread completes most ops within microseconds: look again before parking
                long deadline = System.nanoTime() + SQPOLL_CALLER_SPIN_NANOS;
                while (!slots.isDone(slot) && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                    reapIfReady();
                }
            }
        }
        while (!slots.isDone(slot)) {
            if (owner != null) drive();
            else if (!reapAsWaiter(slot, null)) sleepOnce();
        }
    }

    /** Parks until {@code chain} completed; on a SHARED io_uring ring the caller may reap for itself meanwhile. */
    private void awaitChain(ChainResult chain) {
        while (!chain.isDone()) {
            if (owner != null || !reapAsWaiter(-1, chain)) waitFor();
        }
    }

    /**
     * SHARED io_uring: a blocked caller that finds the CQ free waits in the kernel and reaps
     * itself (delivering whatever else it finds), instead of sleeping until the reaper
     * thread is scheduled to hand it its completion — on a busy machine that hand-off costs
     * more than the op. Returns false (the caller parks) when another thread is reaping or
     * the caller is a virtual thread.
     */
    private boolean reapAsWaiter(int slot, ChainResult chain) {
        // A virtual thread parks instead: waiting in the kernel would hold its carrier.
        if (!waiterReaps || Thread.currentThread().isVirtual() || !cqLock.tryLock()) return false;
        try {
            // Re-check under the lock: a reaper that delivered ours just before we got here held it.
            if (slot >= 0 ? slots.isDone(slot) : chain.isDone()) return true;
            if (engine.reap(dispatch, REAP_BATCH) == 0) {
                engine.awaitCompletions(); // ours is not in the CQ yet: it will be, and wake us
                engine.reap(dispatch, REAP_BATCH);
            }
            recycleReaped();
            return true;
        } finally {
            cqLock.unlock();
        }
    }

    /** SQPOLL: how long a blocking caller polls for its completion before it parks. */
    private static final long SQPOLL_CALLER_SPIN_NANOS = 20_000;

    /**
     * A waiter normally sleeps until a completion unparks it. One that slept this long
     * without that flushes and reaps once itself before sleeping again: a safety net against
     * SQEs a partial submission left unsubmitted (the reaper's waits submit nothing) and a
     * completion nobody reaped — ConcurrencyTest hung twice on 2026-11-29 with a virtual
     * thread waiting for good, cause not yet found. Costs an idle waiter one look per slice.
     */
    private static final long WAIT_SLICE_NANOS = 50_000_000;

    /** Parks for at most one {@link #WAIT_SLICE_NANOS}; after a full slice, flushes pending SQEs and reaps what is ready. */
    private void sleepOnce() {
        long t0 = System.nanoTime();
        LockSupport.parkNanos(this, WAIT_SLICE_NANOS);
        if (System.nanoTime() - t0 < WAIT_SLICE_NANOS) return; // woken (or spuriously): the caller re-checks
        lock.lock(); // held throughout: close() sets closed under it before it unmaps anything
        try {
            if (closed) return;
            int submitted = flushLocked(0);
            if (submitted > 0 && !leftoverReported) { // say so once: it means a submission was partial
                leftoverReported = true;
                LOG.log(System.Logger.Level.WARNING, "txring: a waiter submitted " + submitted
                        + " SQE(s) a partial submission had left behind (" + describe() + ")");
            }
            reapIfReady(); // tryLock on cqLock: never waits while holding the lock
        } finally {
            lock.unlock();
        }
    }

    /**
     * SHARED: many ops (nop, close, cached opens and reads) complete inside the submitting
     * enter; reaping them here saves the caller a park and the reaper's hand-off.
     */
    private void reapIfReady() {
        if (reaper == null || !engine.hasCompletions() || !cqLock.tryLock()) return;
        try {
            engine.reap(dispatch, REAP_BATCH);
            recycleReaped();
        } finally {
            cqLock.unlock();
        }
    }

    /** Parks once (or drives the ring once in owner mode); the caller re-checks what it waits for. */
    void waitFor() {
        waitFor(1);
    }

    /** As {@link #waitFor()}, where the caller needs {@code want} more completions (owner mode waits for them in one trap). */
    void waitFor(int want) {
        if (owner != null) {
            drive(want);
        } else {
            sleepOnce();
        }
    }

    private void reapLoop() {
        try {
            while (true) {
                int n;
                cqLock.lock();
                try {
                    n = engine.reap(dispatch, REAP_BATCH);
                    recycleReaped();
                } finally {
                    cqLock.unlock();
                }
                if (n > 0) continue;
                if (closing && slots.inFlight() == 0) return;
                engine.awaitCompletions();
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "txring reaper stopped: " + t, t);
        }
    }

    /** Waits for every op in flight, then tears the ring down. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            closing = true;
            flushLocked(0);
            if (reaper != null) engine.wakeup();
        } finally {
            lock.unlock();
        }
        if (reaper != null) {
            // Never unmap under a live reaper. Callers may reap the wake-up NOP themselves (reapIfReady),
            // leaving the reaper asleep in the kernel: wake it again until it has seen the ring drained.
            boolean interrupted = false;
            while (reaper.isAlive()) {
                try {
                    reaper.join(10);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                if (reaper.isAlive()) {
                    lock.lock();
                    try {
                        engine.wakeup();
                    } finally {
                        lock.unlock();
                    }
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        } else {
            while (slots.inFlight() > 0) drive();
        }
        engine.close();
        if (inline != null) inline.close();
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
    }

    /** Results of a linked chain: filled in completion order, done when every op reported. */
    static final class ChainResult implements CompletionSink {
        final int[] results;
        final CompletableFuture<int[]> future = new CompletableFuture<>();
        private final Thread waiter;
        /** Counted down by the reaper and, for ops run inline, by submitters: atomic. */
        private final java.util.concurrent.atomic.AtomicInteger remaining;

        ChainResult(int n, Thread waiter) {
            this.results = new int[n];
            this.remaining = new java.util.concurrent.atomic.AtomicInteger(n);
            this.waiter = waiter;
        }

        @Override
        public void onCompletion(long tag, Op op, int res, int flags) {
            results[(int) tag] = res;
            if (remaining.decrementAndGet() == 0) {
                future.complete(results);
                if (waiter != null) LockSupport.unpark(waiter);
            }
        }

        boolean isDone() {
            return future.isDone();
        }
    }
}
