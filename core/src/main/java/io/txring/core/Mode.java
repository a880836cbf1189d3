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
     * flush); a reaper thread waits for completions. No COOP_TASKRUN: a submitter parked in a
     * futex would not be interrupted to run the task work that posts its io-wq completions.
     */
    SHARED,
    /**
     * Interrupt-driven and owned by the thread that opened the ring (SINGLE_ISSUER |
     * DEFER_TASKRUN where the kernel has them): that thread submits and reaps in the same
     * {@code io_uring_enter}; there is no reaper thread. Other threads are refused.
     */
    SINGLE_ISSUER,
    /**
     * A kernel thread polls the submission queue, and the thread that opened the ring owns it
     * (SQPOLL | SINGLE_ISSUER): submitting costs no trap while the poller is awake, and the owner
     * waits for its completions in the kernel itself, one {@code io_uring_enter} per wait; there
     * is no reaper thread. Other threads are refused. For one thread's latency-bound chains where
     * a CPU can be spared for the poller (see {@code ./txring figure2}).
     */
    SQPOLL_SINGLE_ISSUER;

    /** Whether the thread that opened the ring owns it: it submits and waits itself, and no reaper runs. */
    public boolean ownedByOpener() {
        return this == SINGLE_ISSUER || this == SQPOLL_SINGLE_ISSUER;
    }

    /** Whether a kernel thread polls the submission queue. */
    public boolean polled() {
        return this == SQPOLL || this == SQPOLL_SINGLE_ISSUER;
    }
}
