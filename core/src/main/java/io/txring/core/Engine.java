package io.txring.core;

/**
 * What runs ops: the io_uring queue pair ({@link UringEngine}) or plain syscalls on a
 * worker pool ({@link BlockingEngine}). Push and flush are called under the ring's
 * submit lock; reap and await by the one thread that reaps.
 */
interface Engine extends AutoCloseable {
    Backend backend();

    /** How many more ops {@link #push} accepts before a {@link #flush}. */
    int room();

    /** Queues one op (an SQE, or a pending syscall) tagged with {@code userData}. */
    void push(Op op, long userData);

    /**
     * Hands every pushed op to the kernel (or the pool). When {@code waitFor > 0}, also
     * waits until that many completions are ready. Returns a negative errno on failure.
     */
    int flush(int waitFor);

    /** Waits for room after a flush when the queue is still full (SQPOLL has not consumed yet). */
    void awaitRoom();

    /** Whether a completion is ready to reap now (a cheap look, no trap). */
    default boolean hasCompletions() {
        return false;
    }

    /** Delivers up to {@code max} ready completions to {@code sink}; returns how many. */
    int reap(CompletionDispatch sink, int max);

    /** Blocks until at least one completion is ready (or {@link #wakeup()} is called). */
    void awaitCompletions();

    /** Makes a thread blocked in {@link #awaitCompletions()} return. Called under the submit lock. */
    void wakeup();

    RingMetrics.Counters counters();

    @Override
    void close();

    /** Receives raw completions: {@code user_data}, {@code res}, {@code flags}. */
    interface CompletionDispatch {
        void complete(long userData, int res, int flags);
    }
}
