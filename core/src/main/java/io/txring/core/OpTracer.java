package io.txring.core;

/**
 * Sees every op of a ring as it completes, with its result, on the thread that delivers
 * the completion and before the caller is woken. For tests (the crash-state simulator
 * records transactions with it) and debugging; keep it fast.
 */
@FunctionalInterface
public interface OpTracer {
    void completed(Op op, int res);

    /**
     * Sees {@code op} as it is handed to the kernel, on the submitting thread under the ring's
     * submit lock — or, for an op that runs as a syscall on the calling thread (routed, or one
     * io_uring lacks), on that thread just before it runs, without the lock: for state that must
     * be read before the op runs, since a completion may be delivered after ops linked behind it
     * already ran.
     */
    default void submitted(Op op) {
    }
}
