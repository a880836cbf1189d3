package io.txring.core;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;

/**
 * How a caller waits for its completion, one strategy per {@link Mode}:
 * {@link Parking} (SHARED, and the blocking backend) parks until the reaper delivers;
 * {@link Polling} (SQPOLL) polls the CQ briefly first, since the kernel thread completes most
 * ops within microseconds; {@link Driving} (SINGLE_ISSUER, SQPOLL_SINGLE_ISSUER) has no reaper:
 * the owner submits and reaps in one {@code io_uring_enter}.
 *
 * <p>Parked callers rely on the completing thread's {@code LockSupport.unpark}. The ring's
 * {@link SafetyNet} watches for one that never arrives (Temurin 25.0.3 has been seen to lose
 * the unpark of a parking virtual thread: ConcurrencyTest's hang, found with
 * {@code ConcurrencySoak}), repairs it and counts it in {@link RingMetrics#missedWakeups()}.
 */
sealed interface WaitStrategy permits WaitStrategy.Parking, WaitStrategy.Driving {
    /** Returns once {@code slot} completed; throws {@link RingBrokenException} if the ring broke first. */
    void awaitSlot(int slot);

    /** Returns once every op of {@code chain} completed, or throws as {@link #awaitSlot}. */
    void awaitChain(Ring.ChainResult chain);

    /** Waits once (at most a slice, or one trap in owner mode) for {@code want} more completions; the caller re-checks. */
    void waitFor(int want);

    /** Under the submit lock, with every slot taken: waits once for one to be freed (the caller re-checks). */
    void awaitFreeSlot(Condition slotFreed);

    /**
     * Whether the wait itself submits what is pending (owner mode: submit and wait in one
     * {@code io_uring_enter}), so a blocking call need not submit first.
     */
    default boolean submitsWhileWaiting() {
        return false;
    }

    static WaitStrategy of(Mode mode, Backend backend, Submitter submitter, Reaper reaper, Slots slots) {
        if (backend == Backend.BLOCKING || mode == Mode.SHARED) return new Parking(submitter, reaper, slots, 0);
        if (mode == Mode.SQPOLL) return new Polling(submitter, reaper, slots);
        // SINGLE_ISSUER and SQPOLL_SINGLE_ISSUER: the owner waits in the kernel itself
        return new Driving(submitter, reaper, slots);
    }

    /**
     * SHARED and the blocking backend: reap what is ready, then park until the reaper delivers.
     * The park's blocker is this object, which is how the {@link SafetyNet} tells a waiter parked
     * here from one parked on a lock.
     */
    sealed class Parking implements WaitStrategy permits Polling {
        private final Submitter submitter;
        private final Reaper reaper;
        private final Slots slots;
        /** How long a caller polls for its completion before it parks (0: it parks at once). */
        private final long pollNanos;
        private SafetyNet net;

        Parking(Submitter submitter, Reaper reaper, Slots slots, long pollNanos) {
            this.submitter = submitter;
            this.reaper = reaper;
            this.slots = slots;
            this.pollNanos = pollNanos;
        }

        void watchedBy(SafetyNet net) {
            this.net = net;
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
                throwIfBroken();
                LockSupport.park(this); // the completer's unpark; a lost one is the net's to repair
            }
        }

        @Override
        public void awaitChain(Ring.ChainResult chain) {
            if (chain.isDone()) return;
            net.sleeping(chain);
            try {
                while (!chain.isDone()) {
                    throwIfBroken();
                    LockSupport.park(this);
                }
            } finally {
                net.awake(chain);
            }
        }

        @Override
        public void waitFor(int want) {
            throwIfBroken();
            // An OpQueue's owner, whom the net cannot see: a bounded park, after which it re-checks.
            LockSupport.parkNanos(this, SafetyNet.SLICE_NANOS);
        }

        @Override
        public void awaitFreeSlot(Condition slotFreed) {
            slotFreed.awaitUninterruptibly(); // untimed: the net signals every slice
        }

        private void throwIfBroken() {
            RingBrokenException broken = submitter.broken();
            if (broken != null) throw broken;
        }
    }

    /** SQPOLL: the kernel thread completes most ops within microseconds; poll before parking. */
    final class Polling extends Parking {
        private static final long POLL_NANOS = 20_000;

        Polling(Submitter submitter, Reaper reaper, Slots slots) {
            super(submitter, reaper, slots, POLL_NANOS);
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

        Driving(Submitter submitter, Reaper reaper, Slots slots) {
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
            while (!chain.isDone()) drive(chain.remaining()); // one trap for the whole batch, not one per completion
        }

        @Override
        public void waitFor(int want) {
            drive(want);
        }

        @Override
        public void awaitFreeSlot(Condition slotFreed) {
            drive(1);
        }

        @Override
        public boolean submitsWhileWaiting() {
            return true;
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
