package io.txring.core;

import static io.txring.uring.generated.uring_h.*;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.uring.generated.Errno;
import io.txring.uring.generated.statx;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Paths and {@code open_how} are written at submission into memory the ring lends each op until
 * its completion (a slot's, or a pool's for a routed syscall run here): every op in flight at
 * once names its own path, exactly, whatever its length or characters, and re-prepared ops reuse
 * that memory without mixing names up.
 */
class OpMemoryTest {
    static Stream<String> backends() {
        return Stream.concat(Backends.all(), Stream.of("io_uring-routed"));
    }

    private static Ring open(String name) throws Exception {
        if (!name.equals("io_uring-routed")) return Backends.open(name);
        return Ring.open(RingConfig.builder().entries(64).backend(Backend.IO_URING).mode(Mode.SHARED)
                .runAsSyscalls(IORING_OP_MKDIRAT, IORING_OP_OPENAT2, IORING_OP_RENAMEAT, IORING_OP_UNLINKAT, IORING_OP_STATX).build());
    }

    private static String name(int i) {
        return "d" + i + "-" + "é".repeat(i) + (i % 2 == 0 ? "ß" : "x"); // lengths and UTF-8 widths differ per op
    }

    @ParameterizedTest
    @MethodSource("backends")
    void opsInFlightTogetherEachNameTheirOwnPath(String backend, @TempDir Path dir) throws Exception {
        int n = 48;
        try (Ring ring = open(backend); Arena arena = Arena.ofConfined()) {
            int dirfd = ring.call(Op.openat(AT_FDCWD, dir.toString(), O_RDONLY | O_DIRECTORY, 0));
            Op[] ops = new Op[n];
            for (int i = 0; i < n; i++) ops[i] = new Op();
            OpQueue q = ring.queue(64);
            for (int i = 0; i < n; i++) q.send(ops[i].prepMkdirat(dirfd, name(i), 0755)); // all in flight before any is collected
            q.barrier();
            for (int i = 0; i < n; i++) assertEquals(0, q.get(), "mkdirat " + name(i));

            for (int i = 0; i < n; i++) ops[i].prepRenameat(dirfd, name(i), dirfd, "r-" + name(n - 1 - i) + "-" + i, 0); // re-prepared
            int[] r = ring.callBatch(ops);
            for (int i = 0; i < n; i++) assertEquals(0, r[i], "renameat " + name(i));

            Set<String> expected = new HashSet<>();
            for (int i = 0; i < n; i++) expected.add("r-" + name(n - 1 - i) + "-" + i);
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(expected, s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
            }

            MemorySegment buf = arena.allocate(statx.SIZEOF, 8);
            for (int i = 0; i < n; i++) {
                String renamed = "r-" + name(n - 1 - i) + "-" + i;
                assertEquals(0, ring.callRaw(ops[i].prepStatx(dirfd, renamed, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf)), renamed);
                assertEquals(S_IFDIR, buf.get(JAVA_SHORT, statx.stx_mode$OFFSET) & S_IFMT, renamed);
                int fd = ring.callRaw(ops[i].prepOpenat2(dirfd, renamed, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_BENEATH));
                assertTrue(fd >= 0, renamed + ": " + fd);
                assertEquals(0, ring.call(Op.close(fd)));
                assertEquals(0, ring.callRaw(ops[i].prepUnlinkat(dirfd, renamed, AT_REMOVEDIR)), renamed);
            }
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(0, s.count());
            }
            assertEquals(0, ring.call(Op.close(dirfd)));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void longPathsAndOpenHowFieldsReachTheKernelIntact(String backend, @TempDir Path dir) throws Exception {
        try (Ring ring = open(backend)) {
            int dirfd = ring.call(Op.openat(AT_FDCWD, dir.toString(), O_RDONLY | O_DIRECTORY, 0));
            String component = "é".repeat(127) + "z"; // 255 bytes: NAME_MAX
            StringBuilder path = new StringBuilder();
            Op op = new Op();
            for (int level = 0; level < 6; level++) { // each a longer path through the same op: its memory grows
                if (level > 0) path.append('/');
                path.append(component);
                assertEquals(0, ring.callRaw(op.prepMkdirat(dirfd, path.toString(), 0755)), "level " + level);
            }
            String file = path + "/f";
            int fd = ring.callRaw(op.prepOpenat2(dirfd, file, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600, RESOLVE_BENEATH));
            assertTrue(fd >= 0, "openat2: " + fd);
            assertEquals(0, ring.call(Op.close(fd)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(file))), "open_how.mode");
            assertEquals(-Errno.EXDEV, ring.callRaw(op.prepOpenat2(dirfd, "..", O_RDONLY | O_CLOEXEC, 0, RESOLVE_BENEATH)),
                    "open_how.resolve: RESOLVE_BENEATH refuses a path out of the directory");
            assertEquals(0, ring.callRaw(op.prepRenameat(dirfd, file, dirfd, "moved", 0)));
            assertTrue(Files.isRegularFile(dir.resolve("moved")));
            assertEquals(0, ring.call(Op.close(dirfd)));
        }
    }
}
