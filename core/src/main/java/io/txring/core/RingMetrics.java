package io.txring.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A snapshot of a ring's counters.
 *
 * @param submitted   ops handed to the backend
 * @param completed   completions delivered
 * @param enters      {@code io_uring_enter} calls (traps into the kernel); 0 for the blocking backend
 * @param wakeups     SQPOLL thread wake-ups requested (enters with {@code IORING_ENTER_SQ_WAKEUP})
 * @param cqOverflows times the kernel reported a completion-queue overflow (completions were
 *                    held in the kernel's backlog and flushed; none was lost)
 * @param inline      ops the kernel's io_uring lacks, run as plain syscalls on the submitting thread
 */
public record RingMetrics(long submitted, long completed, long enters, long wakeups, long cqOverflows, long inline) {

    /** Traps per submitted op. */
    public double entersPerOp() {
        return submitted == 0 ? 0 : (double) enters / submitted;
    }

    public RingMetrics minus(RingMetrics before) {
        return new RingMetrics(submitted - before.submitted, completed - before.completed, enters - before.enters,
                wakeups - before.wakeups, cqOverflows - before.cqOverflows, inline - before.inline);
    }

    /**
     * The live counters. Callers add per batch (a flush, a reap), not per op, so the atomic
     * add costs little; submitters and the reaper may add to the same counter at once.
     */
    static final class Counters {
        private static final VarHandle LONG = MethodHandles.arrayElementVarHandle(long[].class);
        static final int SUBMITTED = 0, COMPLETED = 1, ENTERS = 2, WAKEUPS = 3, OVERFLOWS = 4, INLINE = 5;
        private final long[] v = new long[6 * 8]; // one cache line per counter: writers differ

        void add(int counter, long n) {
            LONG.getAndAdd(v, counter * 8, n);
        }

        long get(int counter) {
            return (long) LONG.getOpaque(v, counter * 8);
        }

        RingMetrics snapshot() {
            return new RingMetrics(get(SUBMITTED), get(COMPLETED), get(ENTERS), get(WAKEUPS), get(OVERFLOWS), get(INLINE));
        }
    }
}
