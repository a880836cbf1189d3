package io.txring.core;

/**
 * What runs ops: the io_uring queue pair ({@link UringEngine}) or plain syscalls on a
 * worker pool ({@link BlockingEngine}). Push, flush and retract are called under the ring's
 * submit lock; reap and await by the one thread that reaps.
 */
interface Engine extends AutoCloseable {
    Backend backend();

    /** How many more ops {@link #push} accepts before a {@link #flush}. */
    int room();

    /** Queues one op (an SQE, or a pending syscall) tagged with {@code userData}. */
    void push(Op op, long userData);

    /**
     * Hands pushed ops to the kernel (or the pool). When {@code waitFor > 0}, also waits until
     * that many completions are ready. Returns how many ops the kernel took (a partial submission
     * leaves the rest pushed, see {@link #unsubmitted()}), or {@code -errno}, leaving them all pushed.
     */
    int flush(int waitFor);

    /** Ops pushed that no flush has handed over yet. */
    int unsubmitted();

    /**
     * Takes back every pushed op the kernel has not consumed and reports each to {@code failed}
     * with {@code res}; returns how many, or -1 where ops cannot be taken back (SQPOLL: the
     * kernel thread consumes them on its own).
     */
    int retract(CompletionDispatch failed, int res);

    /**
     * Waits for room after a flush when the queue is still full (SQPOLL has not consumed yet).
     * Returns 0 or {@code -errno} from the wait.
     */
    int awaitRoom();

    /** Whether a completion is ready to reap now (a cheap look, no trap). */
    default boolean hasCompletions() {
        return false;
    }

    /** For the safety net: changes whenever ops are pushed or submitted. */
    long sqMark();

    /** For the safety net: the CQ's head (high half) and tail (low half), or 0 where there is no CQ. */
    default long cqMark() {
        return 0;
    }

    /**
     * Delivers up to {@code max} ready completions to {@code sink}; returns how many. Throws
     * an {@link java.io.UncheckedIOException} when the kernel refuses to flush its overflow backlog.
     */
    int reap(CompletionDispatch sink, int max);

    /**
     * Blocks until at least one completion is ready (or {@link #wakeup()} is called). Throws an
     * {@link java.io.UncheckedIOException} naming {@code io_uring_enter} when the kernel refuses the wait for good.
     */
    void awaitCompletions();

    /**
     * Queues an internal op whose completion makes a thread blocked in {@link #awaitCompletions()}
     * return once flushed. Called under the submit lock.
     */
    void wakeup();

    RingMetrics.Counters counters();

    @Override
    void close();

    /** Receives raw completions: {@code user_data}, {@code res}, {@code flags}. */
    interface CompletionDispatch {
        void complete(long userData, int res, int flags);
    }
}
