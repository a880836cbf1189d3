package io.txring.txn;

/** What a successful commit survives. */
public enum Durability {
    /** Every shadow, the commit record and every touched directory are fsynced: survives a power cut. */
    DURABLE,
    /** Atomic across a process crash (the page cache keeps it) but not synced: a power cut may lose it, or keep only part of it. */
    CONSISTENT
}
