package io.txring.txn;

/** The steps of a commit (docs/COMMIT-PROTOCOL.md, "A commit, step by step"), and a whole commit, as {@link StoreMetrics#latencies()} times them. */
public enum CommitStep {
    /** Step 1: the shadows' data durable (shared with concurrent commits). */
    FLUSH,
    /** Step 2: the commit locks, in-process then OFD (waits for other committers on the same paths). */
    LOCK,
    /** Step 3: every version read, checked. */
    VALIDATE,
    /** Step 4: the commit record written and synced (with the shadows, for a creates-only commit): the commit point. */
    RECORD,
    /** Step 5: renames or links, and the directories synced (for a delivery, the syncs come later). */
    PUBLISH,
    /** Step 6: the record retired. */
    FINISH,
    /** A whole commit that succeeded, from commit() to its return. */
    COMMIT
}
