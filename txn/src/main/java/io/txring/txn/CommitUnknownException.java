package io.txring.txn;

import java.io.IOException;

/**
 * The commit failed after its commit point: its changes are published (or will be, by
 * recovery when the store is reopened) but their durability could not be confirmed —
 * e.g. a directory fsync failed after the renames. Callers must not assume the
 * transaction was lost; as with FoundationDB's {@code commit_unknown_result}, make the
 * body idempotent if it may be retried.
 */
public final class CommitUnknownException extends IOException {
    private static final long serialVersionUID = 1L;

    CommitUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
