package io.txring.txn;

import java.io.IOException;

/**
 * The store refused a commit because an earlier commit failed after its commit point and
 * {@link Store#recover()} has not yet finished it (or could not). {@link Store#begin()} and
 * {@link Store#run} try that recovery themselves; the cause is the original failure.
 */
public final class StoreFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    StoreFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
