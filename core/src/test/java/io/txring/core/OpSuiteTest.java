package io.txring.core;

import static io.txring.uring.generated.uring_h.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.txring.uring.generated.Errno;
import io.txring.uring.NativeException;
import io.txring.uring.generated.statx;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every op, its success and its typical failures, on every backend with the same expectations. */
class OpSuiteTest {
    @TempDir Path dir;
    final Arena arena = Arena.ofAuto();

    static java.util.stream.Stream<String> backends() { return Backends.all(); }

    private String p(String name) { return dir.resolve(name).toString(); }

    private MemorySegment bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment m = arena.allocate(b.length);
        m.copyFrom(MemorySegment.ofArray(b));
        return m;
    }

    private static int errno(Ring ring, Op op) {
        NativeException e = assertThrows(NativeException.class, () -> ring.call(op));
        assertEquals(op.name(), e.operation());
        return e.errno();
    }

    private long statxSize(Ring ring, String path) throws IOException {
        MemorySegment buf = arena.allocate(statx.SIZEOF, 8);
        ring.call(new Op().prepStatx(AT_FDCWD, path, 0, STATX_BASIC_STATS, buf));
        return buf.get(JAVA_LONG, statx.stx_size$OFFSET);
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void openWriteSyncReadClose(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            int fd = ring.call(Op.openat(AT_FDCWD, p("a"), O_CREAT | O_RDWR | O_CLOEXEC, 0644));
            assertTrue(fd >= 0);
            assertEquals(5, ring.call(Op.write(fd, bytes("hello"), 0)));
            assertEquals(0, ring.call(Op.fsync(fd)));
            assertEquals(0, ring.call(Op.fdatasync(fd)));
            MemorySegment in = arena.allocate(16);
            assertEquals(5, ring.call(Op.read(fd, in, 0)));
            assertEquals("hello", new String(in.asSlice(0, 5).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            assertEquals(0, ring.call(Op.close(fd)));
            assertEquals("hello", Files.readString(dir.resolve("a")));

            NativeException e = assertThrows(NativeException.class, () -> ring.call(Op.openat(AT_FDCWD, p("missing"), O_RDONLY, 0)));
            assertEquals(Errno.ENOENT, e.errno());
            assertTrue(e.getMessage().contains("openat") && e.getMessage().contains("missing") && e.getMessage().contains("ENOENT"),
                    e.getMessage());
            assertEquals(Errno.EBADF, errno(ring, Op.close(999_999)));
            assertEquals(Errno.EBADF, errno(ring, Op.fsync(999_999)));
            assertEquals(Errno.EEXIST, errno(ring, Op.openat(AT_FDCWD, p("a"), O_CREAT | O_EXCL | O_WRONLY, 0644)));
            int dfd = ring.call(Op.openat(AT_FDCWD, dir.toString(), O_RDONLY | O_DIRECTORY, 0));
            assertEquals(Errno.EISDIR, errno(ring, Op.read(dfd, in, 0)));
            ring.call(Op.close(dfd));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void openat2ConfinesResolution(String backend) throws Exception {
        Files.writeString(dir.resolve("inside"), "x");
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("inside"));
        try (Ring ring = Backends.open(backend)) {
            int dfd = ring.call(Op.openat(AT_FDCWD, dir.toString(), O_RDONLY | O_DIRECTORY, 0));
            int fd = ring.call(new Op().prepOpenat2(dfd, "inside", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS));
            ring.call(Op.close(fd));
            assertEquals(Errno.EXDEV, errno(ring, new Op().prepOpenat2(dfd, "../x", O_RDONLY, 0, RESOLVE_BENEATH)));
            assertEquals(Errno.EXDEV, errno(ring, new Op().prepOpenat2(dfd, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH)));
            assertEquals(Errno.ELOOP, errno(ring, new Op().prepOpenat2(dfd, "link", O_RDONLY, 0, RESOLVE_NO_SYMLINKS)));
            ring.call(Op.close(dfd));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void renameFlags(String backend) throws Exception {
        Files.writeString(dir.resolve("x"), "X");
        Files.writeString(dir.resolve("y"), "Y");
        try (Ring ring = Backends.open(backend)) {
            assertEquals(Errno.EEXIST, errno(ring, Op.renameat(AT_FDCWD, p("x"), AT_FDCWD, p("y"), RENAME_NOREPLACE)));
            ring.call(Op.renameat(AT_FDCWD, p("x"), AT_FDCWD, p("y"), RENAME_EXCHANGE));
            assertEquals("Y", Files.readString(dir.resolve("x")));
            assertEquals("X", Files.readString(dir.resolve("y")));
            ring.call(Op.renameat(AT_FDCWD, p("x"), AT_FDCWD, p("z"), RENAME_NOREPLACE));
            assertFalse(Files.exists(dir.resolve("x")));
            assertEquals(Errno.ENOENT, errno(ring, Op.renameat(AT_FDCWD, p("x"), AT_FDCWD, p("w"), 0)));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void directoriesLinksAndUnlink(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            ring.call(Op.mkdirat(AT_FDCWD, p("d"), 0755));
            assertTrue(Files.isDirectory(dir.resolve("d")));
            assertEquals(Errno.EEXIST, errno(ring, Op.mkdirat(AT_FDCWD, p("d"), 0755)));
            Files.writeString(dir.resolve("d/f"), "f");
            assertEquals(Errno.ENOTEMPTY, errno(ring, Op.unlinkat(AT_FDCWD, p("d"), AT_REMOVEDIR)));
            assertEquals(Errno.EISDIR, errno(ring, Op.unlinkat(AT_FDCWD, p("d"), 0)));
            ring.call(new Op().prepLinkat(AT_FDCWD, p("d/f"), AT_FDCWD, p("hard"), 0));
            MemorySegment st = arena.allocate(statx.SIZEOF, 8);
            ring.call(new Op().prepStatx(AT_FDCWD, p("hard"), 0, STATX_NLINK, st));
            assertEquals(2, st.get(JAVA_INT, statx.stx_nlink$OFFSET));
            assertEquals(Errno.EEXIST, errno(ring, new Op().prepLinkat(AT_FDCWD, p("d/f"), AT_FDCWD, p("hard"), 0)));
            ring.call(Op.unlinkat(AT_FDCWD, p("d/f"), 0));
            ring.call(Op.unlinkat(AT_FDCWD, p("d"), AT_REMOVEDIR));
            assertFalse(Files.exists(dir.resolve("d")));
            assertEquals(Errno.ENOENT, errno(ring, Op.unlinkat(AT_FDCWD, p("d"), AT_REMOVEDIR)));
            assertEquals(Errno.ENOENT, errno(ring, new Op().prepStatx(AT_FDCWD, p("d"), 0, STATX_SIZE, st)));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void sizeOps(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            int fd = ring.call(Op.openat(AT_FDCWD, p("s"), O_CREAT | O_RDWR, 0644));
            ring.call(new Op().prepFallocate(fd, 0, 0, 8192));
            assertEquals(8192, statxSize(ring, p("s")));
            ring.call(new Op().prepFtruncate(fd, 100));
            assertEquals(100, statxSize(ring, p("s")));
            ring.call(new Op().prepSyncFileRange(fd, 0, 100, SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER));
            ring.call(new Op().prepFadvise(fd, 0, 100, POSIX_FADV_SEQUENTIAL));
            ring.call(Op.close(fd));
            assertEquals(Errno.EBADF, errno(ring, new Op().prepFtruncate(999_999, 1)));
            assertEquals(Errno.EBADF, errno(ring, new Op().prepFallocate(999_999, 0, 0, 1)));
            MemorySegment pages = arena.allocate(8192, 4096);
            ring.call(new Op().prepMadvise(pages, MADV_NORMAL));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void vectoredAndFixedBuffers(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            int fd = ring.call(Op.openat(AT_FDCWD, p("v"), O_CREAT | O_RDWR, 0644));
            Iovecs out = Iovecs.of(arena, bytes("ab"), bytes("cde"));
            assertEquals(5, ring.call(new Op().prepWritev(fd, out, 0)));
            MemorySegment a = arena.allocate(2), b = arena.allocate(3);
            assertEquals(5, ring.call(new Op().prepReadv(fd, Iovecs.of(arena, a, b), 0)));
            assertEquals("cde", new String(b.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));

            MemorySegment reg = arena.allocate(4096, 4096);
            ring.registerBuffers(reg);
            reg.asSlice(0, 4).copyFrom(bytes("FIXD"));
            assertEquals(4, ring.call(new Op().prepWriteFixed(fd, reg.asSlice(0, 4), 0, 5)));
            reg.fill((byte) 0);
            assertEquals(9, ring.call(new Op().prepReadFixed(fd, reg.asSlice(0, 9), 0, 0)));
            assertEquals("abcdeFIXD", new String(reg.asSlice(0, 9).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            ring.call(Op.close(fd));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void directDescriptorChainWithoutFdRoundTrip(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            int slot = 3;
            int[] res = ring.callChain(
                    new Op().prepOpenatDirect(AT_FDCWD, p("direct"), O_CREAT | O_WRONLY | O_TRUNC, 0644, slot),
                    new Op().prepWrite(slot, bytes("chained"), 0).fixedFile(),
                    new Op().prepFsync(slot).fixedFile(),
                    new Op().prepCloseDirect(slot));
            assertArrayEquals(new int[] {0, 7, 0, 0}, res);
            assertEquals("chained", Files.readString(dir.resolve("direct")));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void oDirectWithAlignedBuffers(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            int fd = ring.call(Op.openat(AT_FDCWD, p("direct-io"), O_CREAT | O_RDWR | O_DIRECT, 0644));
            MemorySegment buf = arena.allocate(4096, 4096);
            buf.fill((byte) 'd');
            assertEquals(4096, ring.call(Op.write(fd, buf, 0)));
            MemorySegment in = arena.allocate(4096, 4096);
            assertEquals(4096, ring.call(Op.read(fd, in, 0)));
            assertEquals(-1, buf.mismatch(in));
            assertEquals(Errno.EINVAL, errno(ring, Op.read(fd, arena.allocate(4097, 4096).asSlice(1, 4096), 0)));
            ring.call(Op.close(fd));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void nopTimeoutAndCancel(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            assertEquals(0, ring.call(Op.nop()));
            assertEquals(-Errno.ETIME, ring.callRaw(new Op().prepTimeout(Duration.ofMillis(5), 0, 0)));
            if (backend.endsWith("SINGLE_ISSUER")) return; // futures complete only while the owner drives: covered below
            Op sleeper = new Op().prepTimeout(Duration.ofSeconds(30), 0, 0);
            CompletableFuture<Integer> slept = ring.submitAsync(sleeper);
            int cancelled = -1;
            for (int i = 0; i < 100 && cancelled != 0; i++) { // the timeout may not be armed yet: ENOENT, retry
                cancelled = ring.callRaw(new Op().prepCancel(sleeper));
                if (cancelled != 0) Thread.sleep(5);
            }
            assertEquals(0, cancelled);
            ExecutionException e = assertThrows(ExecutionException.class, () -> slept.get(10, TimeUnit.SECONDS));
            assertEquals(Errno.ECANCELED, ((NativeException) e.getCause()).errno());
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void byteBufferAndNettyBuffers(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            int fd = ring.call(Op.openat(AT_FDCWD, p("bufs"), O_CREAT | O_RDWR, 0644));
            ByteBuffer bb = ByteBuffer.allocateDirect(3).put("bb!".getBytes(StandardCharsets.US_ASCII)).flip();
            assertEquals(3, ring.call(new Op().prepWrite(fd, bb, 0)));
            assertThrows(IllegalArgumentException.class, () -> new Op().prepWrite(fd, ByteBuffer.allocate(3), 0));
            ByteBuf nb = Unpooled.directBuffer(8).writeBytes("netty".getBytes(StandardCharsets.US_ASCII));
            assertEquals(5, ring.call(NettyBuffers.prepWrite(new Op(), fd, nb, 3)));
            ByteBuf back = Unpooled.directBuffer(8);
            int n = ring.call(NettyBuffers.prepRead(new Op(), fd, back, 0));
            back.writerIndex(n);
            assertEquals("bb!netty", back.toString(StandardCharsets.US_ASCII));
            assertThrows(IllegalArgumentException.class, () -> NettyBuffers.prepWrite(new Op(), fd, Unpooled.buffer(4).writeInt(1), 0));
            nb.release();
            back.release();
            ring.call(Op.close(fd));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void futuresCompleteExceptionallyWithTypedError(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            if (backend.endsWith("SINGLE_ISSUER")) {
                OpQueue q = ring.queue(); // the owner drives: futures complete while it waits
                CompletableFuture<Integer> f = ring.submitAsync(Op.openat(AT_FDCWD, p("nope"), O_RDONLY, 0));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); // io-wq may need to start a worker first
                while (!f.isDone() && System.nanoTime() < deadline) {
                    q.send(Op.nop());
                    q.barrier();
                    assertEquals(0, q.get());
                }
                assertTrue(f.isDone(), "the owner's driving completed the future");
                ExecutionException e = assertThrows(ExecutionException.class, f::get);
                assertEquals(Errno.ENOENT, ((NativeException) e.getCause()).errno());
                return;
            }
            CompletableFuture<Integer> f = ring.submitAsync(Op.openat(AT_FDCWD, p("nope"), O_RDONLY, 0));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            NativeException ne = (NativeException) e.getCause();
            assertEquals(Errno.ENOENT, ne.errno());
            assertEquals(p("nope"), ne.path());
            assertEquals(0, ring.submitAsync(Op.nop()).get(10, TimeUnit.SECONDS));
        }
    }
}
