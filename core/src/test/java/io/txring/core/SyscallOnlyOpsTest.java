package io.txring.core;

import static io.txring.uring.generated.uring_h.*;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.uring.generated.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The syscalls io_uring has no op for (OFD locks, FICLONE, copy_file_range, mmap) go through
 * a ring like every other op: on every backend, from any thread, seen by its tracer and
 * failed by its faults — so the layers above never call libc behind the ring's back.
 */
class SyscallOnlyOpsTest {
    @TempDir Path dir;

    static java.util.stream.Stream<String> backends() { return Backends.all(); }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void eachRunsTracedFromAnyThread(String backend) throws Exception {
        Files.writeString(dir.resolve("src"), "twelve bytes");
        List<String> traced = new ArrayList<>();
        OpTracer tracer = new OpTracer() {
            @Override public void submitted(Op op) { synchronized (traced) { traced.add("> " + op.name()); } }
            @Override public void completed(Op op, int res) { synchronized (traced) { traced.add("< " + op.name() + " " + res); } }
        };
        try (Ring ring = Ring.open(Backends.builder(backend).tracer(tracer).build())) {
            int src = ring.call(Op.openat(AT_FDCWD, dir.resolve("src").toString(), O_RDONLY, 0));
            int dst = ring.call(Op.openat(AT_FDCWD, dir.resolve("dst").toString(), O_CREAT | O_RDWR, 0600));
            int lock = ring.call(Op.openat(AT_FDCWD, dir.resolve("lock").toString(), O_CREAT | O_RDWR, 0600));
            int other = ring.call(Op.openat(AT_FDCWD, dir.resolve("lock").toString(), O_RDWR, 0));
            traced.clear();
            int[] res = new int[5];
            long[] mapped = new long[1];
            // Another thread than the opener: a SINGLE_ISSUER ring refuses it ring ops, not these.
            Thread t = Thread.ofPlatform().start(() -> {
                res[0] = ring.callRaw(new Op().prepOfdLock(lock, F_OFD_SETLK, F_WRLCK, 7, 1));
                res[1] = ring.callRaw(new Op().prepOfdLock(other, F_OFD_GETLK, F_WRLCK, 7, 1)); // another open file description sees it
                res[2] = ring.callRaw(new Op().prepCopyFileRange(src, dst, 1 << 20));
                res[3] = ring.callRaw(new Op().prepFiclone(dst, src));
                MemorySegment out = MemorySegment.ofArray(new long[1]);
                res[4] = ring.callRaw(new Op().prepMmap(src, 0, 12, PROT_READ, MAP_SHARED, out));
                mapped[0] = out.get(ValueLayout.JAVA_LONG, 0);
            });
            t.join();
            assertEquals(0, res[0], "F_OFD_SETLK");
            assertEquals(F_WRLCK, res[1], "F_OFD_GETLK from another open file description reports the write lock");
            assertEquals(12, res[2], "copy_file_range copied the whole file");
            assertEquals("twelve bytes", Files.readString(dir.resolve("dst")));
            // FICLONE works on XFS and btrfs; ext4 and tmpfs refuse it (EOPNOTSUPP, or EINVAL/EXDEV elsewhere).
            assertTrue(res[3] == 0 || res[3] == -Errno.EOPNOTSUPP || res[3] == -Errno.EINVAL || res[3] == -Errno.EXDEV, "FICLONE: " + res[3]);
            assertEquals(0, res[4], "mmap");
            MemorySegment m = MemorySegment.ofAddress(mapped[0]).reinterpret(12);
            assertEquals("twelve bytes", new String(m.toArray(ValueLayout.JAVA_BYTE), UTF_8));
            assertEquals(0, io.txring.uring.LibC.munmap(m));
            assertEquals(List.of("> fcntl(F_OFD_SETLK)", "< fcntl(F_OFD_SETLK) 0", "> fcntl(F_OFD_GETLK)", "< fcntl(F_OFD_GETLK) " + F_WRLCK,
                    "> copy_file_range", "< copy_file_range 12", "> ioctl(FICLONE)", "< ioctl(FICLONE) " + res[3], "> mmap", "< mmap 0"), traced);
            for (int fd : new int[] {src, dst, lock, other}) ring.call(Op.close(fd));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void faultsFailThemWithoutRunningThem(String backend) throws Exception {
        Faults faults = Faults.nth(Faults.opcodes(Op.SYSCALL_OFD_LOCK), 0, Errno.ENOLCK);
        try (Ring ring = Ring.open(Backends.builder(backend).faults(faults).build())) {
            int lock = ring.call(Op.openat(AT_FDCWD, dir.resolve("lock").toString(), O_CREAT | O_RDWR, 0600));
            int other = ring.call(Op.openat(AT_FDCWD, dir.resolve("lock").toString(), O_RDWR, 0));
            assertEquals(-Errno.ENOLCK, ring.callRaw(new Op().prepOfdLock(lock, F_OFD_SETLK, F_WRLCK, 3, 1)));
            assertTrue(faults.fired());
            assertEquals(F_UNLCK, ring.callRaw(new Op().prepOfdLock(other, F_OFD_GETLK, F_WRLCK, 3, 1)), "the failed lock was never taken");
            assertEquals(0, ring.callRaw(new Op().prepOfdLock(lock, F_OFD_SETLK, F_WRLCK, 3, 1)), "only the first is failed: this one runs");
            assertEquals(F_WRLCK, ring.callRaw(new Op().prepOfdLock(other, F_OFD_GETLK, F_WRLCK, 3, 1)));
            ring.call(Op.close(lock));
            ring.call(Op.close(other));
        }
        faults = Faults.nth(Faults.opcodes(Op.SYSCALL_COPY_FILE_RANGE), 0, Errno.EIO);
        Files.writeString(dir.resolve("src"), "abc");
        try (Ring ring = Ring.open(Backends.builder(backend).faults(faults).build())) {
            int src = ring.call(Op.openat(AT_FDCWD, dir.resolve("src").toString(), O_RDONLY, 0));
            int dst = ring.call(Op.openat(AT_FDCWD, dir.resolve("dst").toString(), O_CREAT | O_RDWR, 0600));
            var e = assertThrows(io.txring.uring.NativeException.class, () -> ring.call(new Op().prepCopyFileRange(src, dst, 100)));
            assertEquals("copy_file_range", e.operation());
            assertEquals(Errno.EIO, e.errno());
            assertEquals(0, Files.size(dir.resolve("dst")), "the injected failure ran nothing");
            assertEquals(3, ring.call(new Op().prepCopyFileRange(src, dst, 100)));
            ring.call(Op.close(src));
            ring.call(Op.close(dst));
        }
    }
}
