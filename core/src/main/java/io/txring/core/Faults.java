package io.txring.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Fault injection for tests: makes chosen ops fail with an errno instead of running, as
 * a full disk, a failing fsync or a full fd table would. Install with
 * {@link RingConfig.Builder#faults(Faults)}; the ops it picks complete with
 * {@code -errno} and the rest of their chain with {@code -ECANCELED}, exactly as the
 * kernel reports real failures. Thread-safe.
 */
public final class Faults {
    private final Predicate<Op> kind;
    private final int nth;
    private final int errno;
    private final AtomicInteger seen = new AtomicInteger();
    private final AtomicInteger fired = new AtomicInteger();
    private volatile boolean armed = true;

    private Faults(Predicate<Op> kind, int nth, int errno) {
        this.kind = kind;
        this.nth = nth;
        this.errno = Math.abs(errno);
    }

    /** The {@code nth} (0-based) op matching {@code kind} fails with {@code errno}; the others run. */
    public static Faults nth(Predicate<Op> kind, int nth, int errno) {
        return new Faults(kind, nth, errno);
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

    /** Whether the fault has fired (the chosen op was reached). */
    public boolean fired() {
        return fired.get() > 0;
    }

    /** Matching ops seen so far. */
    public int seen() {
        return seen.get();
    }
}
