package io.txring.core;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;

/**
 * How a caller waits for its completion, one strategy per {@link Mode}:
 * {@link Parking} (SHARED, and the blocking backend) parks until the reaper delivers;
 * {@link Polling} (SQPOLL) polls the CQ briefly first, since the kernel thread completes most
 * ops within microseconds; {@link Driving} (SINGLE_ISSUER) has no reaper: the owner submits and
 * reaps in one {@code io_uring_enter}.
 *
 * <p>The parking strategies sleep at most {@link #SLICE_NANOS} at a time. After a full slice a
 * waiter looks for itself — flushes SQEs left unsubmitted, reaps completions left in the CQ —
 * and counts what it found in {@link RingMetrics} ({@code missedWakeups},
 * {@code strandedCompletions}, {@code strandedSqes}). Those counters stay 0 while every
 * hand-off works; the net only keeps a caller from waiting for good when one does not. (One
 * does not: Temurin 25.0.3 has been seen to lose a {@code LockSupport.unpark} of a parking virtual
 * thread — ConcurrencyTest's hang, see {@code ConcurrencySoak} — which {@code missedWakeups} counts.)
 */
sealed interface WaitStrategy permits WaitStrategy.Parking, WaitStrategy.Driving {
    /** The longest a parked waiter sleeps before it looks for itself. */
    long SLICE_NANOS = 50_000_000;

    /** Returns once {@code slot} completed; throws {@link RingBrokenException} if the ring broke first. */
    void awaitSlot(int slot);

    /** Returns once every op of {@code chain} completed, or throws as {@link #awaitSlot}. */
    void awaitChain(Ring.ChainResult chain);

    /** Waits once (at most a slice, or one trap in owner mode) for {@code want} more completions; the caller re-checks. */
    void waitFor(int want);

    /** Under the submit lock, with every slot taken: waits once for one to be freed (the caller re-checks). */
    void awaitFreeSlot(Condition slotFreed);

    static WaitStrategy of(Mode mode, Backend backend, Submitter submitter, Reaper reaper, Slots slots, Engine engine) {
        if (backend == Backend.BLOCKING || mode == Mode.SHARED) return new Parking(submitter, reaper, slots, engine, 0);
        if (mode == Mode.SQPOLL) return new Polling(submitter, reaper, slots, engine);
        return new Driving(submitter, reaper, slots, engine);
    }

    /** SHARED and the blocking backend: park until the reaper delivers, reaping first what is ready. */
    sealed class Parking implements WaitStrategy permits Polling {
        final Submitter submitter;
        final Reaper reaper;
        final Slots slots;
        final Engine engine;
        private final RingMetrics.Counters counters;
        /** How long a caller polls for its completion before it parks (0: it parks at once). */
        private final long pollNanos;

        Parking(Submitter submitter, Reaper reaper, Slots slots, Engine engine, long pollNanos) {
            this.submitter = submitter;
            this.reaper = reaper;
            this.slots = slots;
            this.engine = engine;
            this.counters = engine.counters();
            this.pollNanos = pollNanos;
        }

        @Override
        public void awaitSlot(int slot) {
            if (slots.isDone(slot)) return;
            // Many ops (nop, close, cached opens and reads) complete inside the submitting enter:
            // reaping them here saves the caller a park and the reaper's hand-off.
            if (reaper.hasCompletions()) reaper.reapIfFree();
            if (pollNanos > 0) {
                long deadline = System.nanoTime() + pollNanos;
                while (!slots.isDone(slot) && System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                    if (reaper.hasCompletions()) reaper.reapIfFree();
                }
            }
            while (!slots.isDone(slot)) {
                RingBrokenException broken = submitter.broken();
                if (broken != null) throw broken;
                if (sleepOnce() && slots.isDone(slot)) counters.add(RingMetrics.Counters.MISSED_WAKEUPS, 1);
            }
        }

        @Override
        public void awaitChain(Ring.ChainResult chain) {
            while (!chain.isDone()) {
                RingBrokenException broken = submitter.broken();
                if (broken != null) throw broken;
                if (sleepOnce() && chain.isDone()) counters.add(RingMetrics.Counters.MISSED_WAKEUPS, 1);
            }
        }

        @Override
        public void waitFor(int want) {
            RingBrokenException broken = submitter.broken();
            if (broken != null) throw broken;
            sleepOnce();
        }

        @Override
        public void awaitFreeSlot(Condition slotFreed) {
            try {
                slotFreed.awaitNanos(SLICE_NANOS); // the caller flushes again before it waits again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // keep the flag; the slot is still needed
            }
        }

        /**
         * Parks for at most one slice. After a full one, flushes SQEs left unsubmitted and reaps
         * completions left in the CQ, counting each. Returns whether the slice was full.
         */
        private boolean sleepOnce() {
            long cq0 = engine.cqMark();
            long t0 = System.nanoTime();
            LockSupport.parkNanos(this, SLICE_NANOS);
            if (System.nanoTime() - t0 < SLICE_NANOS) return false; // woken (or spuriously): the caller re-checks
            submitter.lock.lock(); // held throughout: close() sets closed under it before it unmaps anything
            try {
                if (submitter.closed) return true;
                submitter.flushStranded();
                long cq1 = engine.cqMark();
                int head0 = (int) (cq0 >>> 32), tail0 = (int) cq0;
                // Completions that were ready when we parked and are still unreaped a slice later.
                if (tail0 != head0 && (int) (cq1 >>> 32) == head0) {
                    counters.add(RingMetrics.Counters.STRANDED_COMPLETIONS, tail0 - head0);
                }
                reaper.reapIfFree(); // tryLock: never waits for cqLock while holding the submit lock
            } finally {
                submitter.lock.unlock();
            }
            return true;
        }
    }

    /** SQPOLL: the kernel thread completes most ops within microseconds; poll before parking. */
    final class Polling extends Parking {
        private static final long POLL_NANOS = 20_000;

        Polling(Submitter submitter, Reaper reaper, Slots slots, Engine engine) {
            super(submitter, reaper, slots, engine, POLL_NANOS);
        }
    }

    /**
     * SINGLE_ISSUER: no reaper thread; the owner submits what is pending and waits for its
     * completions in one {@code io_uring_enter}, then delivers all that are ready.
     */
    final class Driving implements WaitStrategy {
        private final Submitter submitter;
        private final Reaper reaper;
        private final Slots slots;

        Driving(Submitter submitter, Reaper reaper, Slots slots, Engine engine) {
            this.submitter = submitter;
            this.reaper = reaper;
            this.slots = slots;
        }

        @Override
        public void awaitSlot(int slot) {
            while (!slots.isDone(slot)) drive(1);
        }

        @Override
        public void awaitChain(Ring.ChainResult chain) {
            while (!chain.isDone()) drive(1);
        }

        @Override
        public void waitFor(int want) {
            drive(want);
        }

        @Override
        public void awaitFreeSlot(Condition slotFreed) {
            drive(1);
        }

        /** One trap for a whole batch: {@code want} is capped at the ops in flight. */
        void drive(int want) {
            submitter.lock.lock();
            try {
                RingBrokenException broken = submitter.broken();
                if (broken != null) throw broken;
                if (reaper.reapOwned() == 0) {
                    submitter.flushLocked(Math.max(1, Math.min(want, slots.inFlight())));
                    reaper.reapOwned();
                }
            } finally {
                submitter.lock.unlock();
            }
        }
    }
}
