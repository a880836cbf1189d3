package io.txring.txn;

import static org.junit.jupiter.api.Assertions.*;

import io.txring.uring.NativeException;
import io.txring.uring.generated.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failure.of tells callers what a failure means without errnos or exception types. */
class FailureTest {
    @TempDir Path root;

    @Test
    void classifiesEachKind() {
        NativeException full = NativeException.of("write", "a", -Errno.ENOSPC);
        assertEquals(Failure.CONFLICT, Failure.of(new ConflictException(List.of())));
        assertEquals(Failure.OUTCOME_UNKNOWN, Failure.of(new CommitUnknownException("x", full)), "unknown first, whatever its cause");
        assertEquals(Failure.TRANSIENT, Failure.of(new StoreFailedException("x", full)), "a failed store needs recover() first");
        assertEquals(Failure.NO_SPACE, Failure.of(full));
        assertEquals(Failure.NO_SPACE, Failure.of(NativeException.of("fsync", "a", -Errno.EDQUOT)));
        assertEquals(Failure.NO_SPACE, Failure.of(new IOException("wrapped", full)), "the failed syscall, however wrapped");
        assertEquals(Failure.OUTCOME_UNKNOWN, Failure.of(new IOException(new CommitUnknownException("x", full))), "an unknown outcome, however wrapped");
        assertEquals(Failure.CONFLICT, Failure.of(new IOException(new ConflictException(List.of()))));
        assertEquals(Failure.TRANSIENT, Failure.of(NativeException.of("fsync", "a", -Errno.EIO)));
        assertEquals(Failure.TRANSIENT, Failure.of(NativeException.of("openat2", "a", -Errno.EACCES)), "an administrator can fix it");
        assertEquals(Failure.PERMANENT, Failure.of(NativeException.of("openat2", "a", -Errno.ELOOP)));
        assertEquals(Failure.PERMANENT, Failure.of(NativeException.of("openat2", "a", -Errno.ENAMETOOLONG)));
        assertEquals(Failure.TRANSIENT, Failure.of(new IOException("no errno")));
        assertFalse(Failure.PERMANENT.retryable());
        assertTrue(Failure.OUTCOME_UNKNOWN.retryable());
    }

    @Test
    void aSymlinkInTheStoreIsAPermanentRefusal() throws Exception {
        Files.createDirectories(root.resolve("real"));
        Files.createSymbolicLink(root.resolve("link"), root.resolve("real"));
        try (Store store = Store.open(root); Transaction tx = store.begin()) {
            var e = assertThrows(IOException.class, () -> {
                tx.create("link/f", new byte[] {1});
                tx.commit();
            });
            assertEquals(Failure.PERMANENT, Failure.of(e), e.toString());
        }
        assertFalse(Files.exists(root.resolve("real/f")));
    }
}
