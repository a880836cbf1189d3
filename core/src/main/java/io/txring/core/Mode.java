package io.txring.core;

/** How an io_uring ring is driven. */
public enum Mode {
    /**
     * A kernel thread polls the submission queue (IORING_SETUP_SQPOLL): no trap per
     * submission, at the price of a CPU spinning for {@code sq_thread_idle}. Any thread may submit.
     */
    SQPOLL,
    /**
     * Interrupt-driven and shared: any thread may submit (one {@code io_uring_enter} per
     * flush); a reaper thread waits for completions. Uses COOP_TASKRUN where the kernel has it.
     */
    SHARED,
    /**
     * Interrupt-driven and owned by the thread that opened the ring (SINGLE_ISSUER |
     * DEFER_TASKRUN where the kernel has them): that thread submits and reaps in the same
     * {@code io_uring_enter}; there is no reaper thread. Other threads are refused.
     */
    SINGLE_ISSUER
}
