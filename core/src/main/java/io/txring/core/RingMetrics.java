package io.txring.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A snapshot of a ring's counters.
 *
 * <p>The last three count the ring's {@link SafetyNet} at work: each is a case the ring's own
 * hand-offs should have made impossible, seen twice a slice apart and then repaired, so a
 * healthy ring keeps them at 0 (the concurrency tests assert it); a non-zero value says which
 * hand-off failed.
 *
 * @param submitted          ops the kernel (or the blocking pool) took: an io_uring_enter's result,
 *                           not what was asked of it
 * @param completed          completions delivered
 * @param enters             {@code io_uring_enter} calls (traps into the kernel); 0 for the blocking backend
 * @param wakeups            SQPOLL thread wake-ups requested (enters with {@code IORING_ENTER_SQ_WAKEUP})
 * @param cqOverflows        times the kernel reported a completion-queue overflow (completions were
 *                           held in the kernel's backlog and flushed; none was lost)
 * @param inline             ops the kernel's io_uring lacks, run as plain syscalls on the submitting thread
 * @param enterRetries       submitting {@code io_uring_enter}s refused with EAGAIN or EBUSY (or taking
 *                           nothing) and retried after reaping
 * @param enterFailures      submitting {@code io_uring_enter}s that failed for good: their ops completed
 *                           with the errno and were never run
 * @param missedWakeups      waiters found still parked a slice after their op completed (their unpark
 *                           was lost) and woken by the net
 * @param strandedCompletions completions found in the CQ a slice after they arrived while the reaper
 *                           slept in the kernel (it was not woken), reaped by the net
 * @param strandedSqes       SQEs found pushed and unsubmitted for a slice, submitted by the net (an
 *                           {@link OpQueue}'s sends left a slice before its barrier count here too)
 */
public record RingMetrics(long submitted, long completed, long enters, long wakeups, long cqOverflows, long inline,
                          long enterRetries, long enterFailures, long missedWakeups, long strandedCompletions,
                          long strandedSqes) {

    /** The counters kept before the safety net was counted; the rest are 0. */
    public RingMetrics(long submitted, long completed, long enters, long wakeups, long cqOverflows, long inline) {
        this(submitted, completed, enters, wakeups, cqOverflows, inline, 0, 0, 0, 0, 0);
    }

    /** Traps per submitted op. */
    public double entersPerOp() {
        return submitted == 0 ? 0 : (double) enters / submitted;
    }

    /** Everything the safety net found: 0 on a ring whose hand-offs all worked. */
    public long safetyNetCatches() {
        return missedWakeups + strandedCompletions + strandedSqes;
    }

    public RingMetrics minus(RingMetrics before) {
        return new RingMetrics(submitted - before.submitted, completed - before.completed, enters - before.enters,
                wakeups - before.wakeups, cqOverflows - before.cqOverflows, inline - before.inline,
                enterRetries - before.enterRetries, enterFailures - before.enterFailures,
                missedWakeups - before.missedWakeups, strandedCompletions - before.strandedCompletions,
                strandedSqes - before.strandedSqes);
    }

    /** The sum of two rings' counters (e.g. a store's ring and its flusher's). */
    public RingMetrics plus(RingMetrics other) {
        return new RingMetrics(submitted + other.submitted, completed + other.completed, enters + other.enters,
                wakeups + other.wakeups, cqOverflows + other.cqOverflows, inline + other.inline,
                enterRetries + other.enterRetries, enterFailures + other.enterFailures,
                missedWakeups + other.missedWakeups, strandedCompletions + other.strandedCompletions,
                strandedSqes + other.strandedSqes);
    }

    /** This snapshot with {@code more} ops run inline added (the ring's syscall path keeps its own count). */
    RingMetrics plusInline(long more) {
        return new RingMetrics(submitted, completed, enters, wakeups, cqOverflows, inline + more, enterRetries,
                enterFailures, missedWakeups, strandedCompletions, strandedSqes);
    }

    /**
     * The live counters. Callers add per batch (a flush, a reap), not per op, so the atomic
     * add costs little; submitters and the reaper may add to the same counter at once.
     */
    static final class Counters {
        private static final VarHandle LONG = MethodHandles.arrayElementVarHandle(long[].class);
        static final int SUBMITTED = 0, COMPLETED = 1, ENTERS = 2, WAKEUPS = 3, OVERFLOWS = 4,
                ENTER_RETRIES = 5, ENTER_FAILURES = 6, MISSED_WAKEUPS = 7, STRANDED_COMPLETIONS = 8, STRANDED_SQES = 9;
        private static final int N = 10;
        private final long[] v = new long[N * 8]; // one cache line per counter: writers differ

        void add(int counter, long n) {
            LONG.getAndAdd(v, counter * 8, n);
        }

        long get(int counter) {
            return (long) LONG.getOpaque(v, counter * 8);
        }

        RingMetrics snapshot() {
            return new RingMetrics(get(SUBMITTED), get(COMPLETED), get(ENTERS), get(WAKEUPS), get(OVERFLOWS), 0, // ops run as syscalls are counted by the engine that ran them (Ring.metrics adds them)
                    get(ENTER_RETRIES), get(ENTER_FAILURES), get(MISSED_WAKEUPS), get(STRANDED_COMPLETIONS),
                    get(STRANDED_SQES));
        }
    }
}
