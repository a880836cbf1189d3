package io.txring.core;

/**
 * Sees every op of a ring as it completes, with its result, on the thread that delivers
 * the completion and before the caller is woken. For tests (the crash-state simulator
 * records transactions with it) and debugging; keep it fast.
 */
@FunctionalInterface
public interface OpTracer {
    void completed(Op op, int res);
}
