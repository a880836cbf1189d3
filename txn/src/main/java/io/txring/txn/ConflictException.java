package io.txring.txn;

import java.io.IOException;
import java.util.List;

/**
 * A transaction's commit was refused because files it read or wrote changed since it
 * first touched them. Nothing of the transaction was applied; {@link Store#run} retries.
 */
public final class ConflictException extends IOException {
    private static final long serialVersionUID = 1L;

    /** One changed path and what changed. */
    public record Change(String path, String what) {}

    private final transient List<Change> changes;

    ConflictException(List<Change> changes) {
        super("transaction conflicts: " + String.join(", ", changes.stream().map(c -> c.path() + " " + c.what()).toList()));
        this.changes = List.copyOf(changes);
    }

    public List<Change> changes() {
        return changes;
    }
}
