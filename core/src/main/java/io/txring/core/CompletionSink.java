package io.txring.core;

/**
 * Receives completions of the slots it owns (a queue, a chain, a future); called on the
 * thread that reaps the ring, after which the slot is recycled.
 */
interface CompletionSink {
    /** {@code tag} is what the owner passed when claiming the slot. */
    void onCompletion(long tag, Op op, int res, int flags);

    /** The ring broke with this sink's op in flight: it will never complete. Called once per op, under the submit lock. */
    void onBroken(RingBrokenException e);
}
