package io.txring.txn;

import io.txring.uring.NativeException;
import io.txring.uring.generated.Errno;

/**
 * What a failed transaction means for its caller, so callers decide without knowing errnos
 * or txring's exception types: try the same thing again now, later, never — or first find
 * out whether it landed.
 */
public enum Failure {
    /** Another commit changed what this one read ({@link ConflictException}): run the body again now; nothing of it landed. */
    CONFLICT,
    /**
     * The commit failed after its commit point ({@link CommitUnknownException}): it may have
     * landed, and recovery completes it if so. Retrying may apply it twice (for a mail
     * delivery: a duplicate, which loses nothing).
     */
    OUTCOME_UNKNOWN,
    /** The volume or the user's quota is full ({@code ENOSPC}, {@code EDQUOT}): nothing landed; try later. */
    NO_SPACE,
    /**
     * Nothing landed and the cause may clear: an I/O error, a read-only or failed store
     * ({@link StoreFailedException}), exhausted descriptors or memory, a permission or a
     * directory an administrator can fix. Try later.
     */
    TRANSIENT,
    /**
     * Nothing landed and the same request can never succeed: the store refuses the path itself
     * — a symlink where its confinement allows none ({@code ELOOP}), a name longer than the
     * filesystem takes ({@code ENAMETOOLONG}).
     */
    PERMANENT;

    /**
     * The class of {@code e}, a failure thrown by a store or one of its transactions, however it
     * was wrapped: the outermost of txring's exceptions along the cause chain decides (anything
     * else is {@link #TRANSIENT}).
     */
    public static Failure of(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConflictException) return CONFLICT;
            if (t instanceof CommitUnknownException) return OUTCOME_UNKNOWN; // whatever its cause: it may have landed
            if (t instanceof StoreFailedException) return TRANSIENT; // whatever failed before, the store needs recover() first
            if (t instanceof NativeException n) {
                int errno = n.errno();
                if (errno == Errno.ENOSPC || errno == Errno.EDQUOT) return NO_SPACE;
                if (errno == Errno.ELOOP || errno == Errno.ENAMETOOLONG) return PERMANENT;
                return TRANSIENT;
            }
        }
        return TRANSIENT;
    }

    /** Whether trying again (now or later) can succeed. */
    public boolean retryable() {
        return this != PERMANENT;
    }
}
