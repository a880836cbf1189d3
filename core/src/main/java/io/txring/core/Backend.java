package io.txring.core;

/** What executes a ring's ops. */
public enum Backend {
    /** io_uring: the kernel's shared-memory queue pair. */
    IO_URING,
    /** Plain blocking syscalls on a bounded worker pool; chosen when io_uring is unavailable. */
    BLOCKING
}
