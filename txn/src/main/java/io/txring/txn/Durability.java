package io.txring.txn;

/** What a successful commit survives. */
public enum Durability {
    /** Every shadow, the commit record and every touched directory are fsynced: survives a power cut. */
    DURABLE,
    /** Atomic but not synced: survives a process crash (the page cache keeps it), not a power cut. */
    CONSISTENT
}
