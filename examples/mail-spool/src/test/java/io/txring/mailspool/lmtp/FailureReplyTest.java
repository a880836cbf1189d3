package io.txring.mailspool.lmtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.txring.uring.NativeException;
import io.txring.uring.generated.Errno;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The LMTP reply to each class of failure (txn's Failure): full is 452, refused for good is 550, the rest 452 too. */
class FailureReplyTest {
    @Test
    void eachClassGetsItsReply() {
        assertEquals("452 4.3.1 <a@x> insufficient system storage", LmtpHandler.failureReply("a@x", NativeException.of("write", "a/tmp/m", -Errno.ENOSPC)));
        assertEquals("550 5.2.0 <a@x> mailbox unavailable", LmtpHandler.failureReply("a@x", NativeException.of("openat2", "a/new", -Errno.ELOOP)),
                "a symlink planted as the mailbox: the same as deliver's exit 73");
        assertEquals("452 4.3.1 <a@x> temporary local failure", LmtpHandler.failureReply("a@x", NativeException.of("fsync", "a/new", -Errno.EIO)));
        assertEquals("452 4.3.1 <a@x> temporary local failure", LmtpHandler.failureReply("a@x", new IOException(NativeException.of("fsync", "a", -Errno.EROFS))));
    }
}
