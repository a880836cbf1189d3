package io.txring.uring;

import static org.junit.jupiter.api.Assertions.*;

import io.txring.uring.generated.Errno;
import io.txring.uring.generated.io_uring;
import io.txring.uring.generated.io_uring_params;
import io.txring.uring.generated.uring_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The downcalls work on this machine and report errno the io_uring way (-errno). */
class NativeCallsTest {
    @TempDir Path dir;

    @Test
    void ringSetupThroughLiburing() {
        assertTrue(LibUring.isAvailable(), LibUring.unavailableReason());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ring = a.allocate(io_uring.LAYOUT);
            MemorySegment params = a.allocate(io_uring_params.LAYOUT);
            assertEquals(0, LibUring.queueInitParams(8, ring, params));
            assertEquals(8, io_uring_params.sq_entries(params));
            assertTrue(io_uring.ring_fd(ring) >= 0);
            LibUring.queueExit(ring);
        }
    }

    @Test
    void libcReturnsMinusErrno() {
        try (Arena a = Arena.ofConfined()) {
            int fd = LibC.openat(uring_h.AT_FDCWD, a.allocateFrom(dir.toString()), uring_h.O_RDONLY | uring_h.O_DIRECTORY, 0);
            assertTrue(fd >= 0);
            assertEquals(0, LibC.close(fd));
            assertEquals(-Errno.ENOENT, LibC.openat(uring_h.AT_FDCWD, a.allocateFrom(dir + "/missing"), uring_h.O_RDONLY, 0));
            assertEquals(-Errno.EBADF, LibC.close(fd));
            assertEquals("ENOENT", Errno.name(-2));
            NativeException e = NativeException.of("openat", "/x", -Errno.ENOENT);
            assertEquals("openat(\"/x\"): ENOENT (No such file or directory)", e.getMessage());
        }
    }
}
