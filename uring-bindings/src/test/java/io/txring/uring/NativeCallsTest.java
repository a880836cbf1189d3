package io.txring.uring;

import static org.junit.jupiter.api.Assertions.*;

import io.txring.uring.generated.Errno;
import io.txring.uring.generated.io_uring;
import io.txring.uring.generated.io_uring_cqe;
import io.txring.uring.generated.io_uring_params;
import io.txring.uring.generated.io_uring_probe;
import io.txring.uring.generated.io_uring_probe_op;
import io.txring.uring.generated.io_uring_sq;
import io.txring.uring.generated.io_uring_sqe;
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
        assertNull(LibUring.unavailableReason());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ring = a.allocate(io_uring.LAYOUT);
            MemorySegment params = a.allocate(io_uring_params.LAYOUT);
            assertEquals(0, LibUring.queueInitParams(8, ring, params));
            try {
                assertEquals(8, io_uring_params.sq_entries(params));
                assertTrue(io_uring.ring_fd(ring) >= 0);
                assertEquals(8, io_uring_sq.ring_entries(io_uring.sq(ring)));

                MemorySegment probe = LibUring.getProbeRing(ring);
                assertNotEquals(MemorySegment.NULL, probe);
                try {
                    assertTrue(Byte.toUnsignedInt(io_uring_probe.last_op(probe)) >= uring_h.IORING_OP_URING_CMD);
                    long nop = io_uring_probe.ops$OFFSET + uring_h.IORING_OP_NOP * io_uring_probe_op.SIZEOF;
                    assertNotEquals(0, io_uring_probe_op.flags(probe, nop) & uring_h.IO_URING_OP_SUPPORTED, "NOP supported");
                } finally {
                    LibUring.freeProbe(probe);
                }
            } finally {
                LibUring.queueExit(ring);
            }
        }
    }

    @Test
    void liburingReturnsMinusErrnoWithoutErrnoCapture() {
        assertEquals(-Errno.EBADF, LibUring.enter(-1, 0, 0, 0));
    }

    @Test
    void hotPathAccessorsUseTheBaseOffset() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sqes = a.allocate(io_uring_sqe.LAYOUT.byteSize() * 4, io_uring_sqe.LAYOUT.byteAlignment());
            long base = 2 * io_uring_sqe.SIZEOF;
            io_uring_sqe.opcode(sqes, base, (byte) uring_h.IORING_OP_NOP);
            io_uring_sqe.fd(sqes, base, 7);
            io_uring_sqe.user_data(sqes, base, 0x1234_5678_9abcL);
            assertEquals(7, io_uring_sqe.fd(sqes, base));
            assertEquals(0x1234_5678_9abcL, io_uring_sqe.user_data$at(sqes, base));
            assertEquals(0x1234_5678_9abcL, io_uring_sqe.user_data(sqes.asSlice(base)));
            assertEquals(0, io_uring_sqe.fd(sqes)); // entry 0 untouched
            io_uring_sqe.open_flags(sqes, base, uring_h.O_CLOEXEC);
            assertEquals(uring_h.O_CLOEXEC, io_uring_sqe.rw_flags(sqes, base)); // same union
            assertEquals(16, io_uring_cqe.SIZEOF);
        }
    }

    @Test
    void libcReturnsMinusErrno() {
        try (Arena a = Arena.ofConfined()) {
            int fd = LibC.openat(uring_h.AT_FDCWD, a.allocateFrom(dir.toString()), uring_h.O_RDONLY | uring_h.O_DIRECTORY, 0);
            assertTrue(fd >= 0, () -> Errno.name(fd));
            assertEquals(0, LibC.close(fd));
            assertEquals(-Errno.ENOENT, LibC.openat(uring_h.AT_FDCWD, a.allocateFrom(dir + "/missing"), uring_h.O_RDONLY, 0));
            assertEquals(-Errno.EBADF, LibC.close(fd));
            assertEquals("ENOENT", Errno.name(2));
            assertEquals("ENOENT", Errno.name(-2));
            assertEquals("errno 4000", Errno.name(4000));
            assertEquals("No such file or directory", Errno.message(-Errno.ENOENT));
            NativeException e = NativeException.of("openat", "/x", -Errno.ENOENT);
            assertEquals("openat(\"/x\"): ENOENT (No such file or directory)", e.getMessage());
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals("ENOENT", e.errnoName());
        }
    }

    @Test
    void mmapAndPositionalIo() throws Exception {
        try (Arena a = Arena.ofConfined()) {
            int fd = LibC.openat(uring_h.AT_FDCWD, a.allocateFrom(dir + "/f"), uring_h.O_RDWR | uring_h.O_CREAT | uring_h.O_CLOEXEC, 0644);
            assertTrue(fd >= 0, () -> Errno.name(fd));
            try {
                MemorySegment buf = a.allocateFrom("hello");
                assertEquals(6, LibC.pwrite(fd, buf, 6, 0));
                assertEquals(0, LibC.fdatasync(fd));
                MemorySegment map = LibC.mmap(4096, uring_h.PROT_READ, uring_h.MAP_SHARED, fd, 0);
                assertEquals("hello", map.getString(0));
                assertEquals(0, LibC.munmap(map));
                assertEquals(-Errno.EINVAL, LibC.posixFadvise(fd, 0, 0, 12345));
                NativeException failed = assertThrows(NativeException.class,
                        () -> LibC.mmap(4096, uring_h.PROT_READ, uring_h.MAP_SHARED, -1, 0));
                assertEquals("mmap", failed.operation());
            } finally {
                LibC.close(fd);
            }
        }
    }
}
