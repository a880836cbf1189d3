package io.txring.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Fault injection for tests: makes chosen ops fail with an errno instead of running, as
 * a full disk, a failing fsync or a full fd table would. Install with
 * {@link RingConfig.Builder#faults(Faults)}; the ops it picks complete with
 * {@code -errno} and the rest of their chain with {@code -ECANCELED}, exactly as the
 * kernel reports real failures. Two hooks reach below the ops: {@link #failEnter} makes
 * one submitting {@code io_uring_enter} return an errno without entering the kernel, and
 * {@link #throwInDelivery} makes one completion's delivery throw, as a bug there would.
 * The kernel itself is never mocked. Thread-safe.
 */
public final class Faults {
    private final Predicate<Op> kind;
    private final int nth;
    private final int errno;
    private final AtomicInteger seen = new AtomicInteger();
    private final AtomicInteger fired = new AtomicInteger();
    private volatile boolean armed = true;
    private final AtomicInteger entersSeen = new AtomicInteger();
    private volatile int enterNth = -1;
    private volatile int enterErrno;
    private final AtomicInteger deliveriesSeen = new AtomicInteger();
    private volatile int deliveryNth = -1;

    private Faults(Predicate<Op> kind, int nth, int errno) {
        this.kind = kind;
        this.nth = nth;
        this.errno = Math.abs(errno);
    }

    /** The {@code nth} (0-based) op matching {@code kind} fails with {@code errno}; the others run. */
    public static Faults nth(Predicate<Op> kind, int nth, int errno) {
        return new Faults(kind, nth, errno);
    }

    /** No op fails; add {@link #failEnter} or {@link #throwInDelivery}. */
    public static Faults none() {
        return new Faults(op -> false, -1, 0);
    }

    /**
     * The {@code nth} (0-based) {@code io_uring_enter} that submits SQEs returns {@code -errno}
     * instead of entering the kernel, so the SQEs stay unsubmitted: what the kernel does when it
     * cannot allocate requests ({@code EAGAIN}) or refuses the ring ({@code EBADF}, {@code ENXIO}…).
     */
    public Faults failEnter(int nth, int errno) {
        enterErrno = Math.abs(errno);
        enterNth = nth;
        return this;
    }

    /**
     * The {@code nth} (0-based) completion delivered throws {@link InjectedDeliveryError}
     * instead of reaching its caller, as a bug in the delivery code would.
     */
    public Faults throwInDelivery(int nth) {
        deliveryNth = nth;
        return this;
    }

    /** {@code -errno} when this submitting enter is the one chosen by {@link #failEnter}, else 0. */
    int injectEnter() {
        int nth = enterNth;
        if (nth < 0 || entersSeen.getAndIncrement() != nth) return 0;
        fired.incrementAndGet();
        return -enterErrno;
    }

    /** Throws when this delivery is the one chosen by {@link #throwInDelivery}. */
    void onDelivery() {
        int nth = deliveryNth;
        if (nth >= 0 && deliveriesSeen.getAndIncrement() == nth) {
            fired.incrementAndGet();
            throw new InjectedDeliveryError("injected failure delivering completion #" + nth);
        }
    }

    /** What {@link #throwInDelivery} throws: an Error, as the worst a delivery can throw. */
    public static final class InjectedDeliveryError extends Error {
        private static final long serialVersionUID = 1L;

        InjectedDeliveryError(String message) {
            super(message);
        }
    }

    /** Ops of one of these opcodes (e.g. {@code IORING_OP_WRITE}). */
    public static Predicate<Op> opcodes(int... opcodes) {
        return op -> {
            for (int o : opcodes) if (op.opcode() == o) return true;
            return false;
        };
    }

    /** Stops counting until {@link #arm()}: lets setup ops (opening a store) pass untouched. */
    public Faults disarm() {
        armed = false;
        return this;
    }

    /** Starts counting matching ops from here. */
    public void arm() {
        armed = true;
    }

    /** {@code -errno} when {@code op} is the one chosen, else 0. */
    int inject(Op op) {
        if (!armed || !kind.test(op)) return 0;
        if (seen.getAndIncrement() != nth) return 0;
        fired.incrementAndGet();
        return -errno;
    }

    /** Whether a fault has fired (the chosen op, enter or delivery was reached). */
    public boolean fired() {
        return fired.get() > 0;
    }

    /** Matching ops seen so far. */
    public int seen() {
        return seen.get();
    }
}
