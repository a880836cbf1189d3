package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.core.Backend;
import io.txring.core.Faults;
import io.txring.core.Op;
import io.txring.core.RingConfig;
import io.txring.uring.generated.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An errno at every op index of a 3-path transaction (replace, create, delete) and of a
 * single-path replace: the commit reports success and all new content is there, or failure
 * and all old content is there, or "unknown" (after the commit point) and recovery brings
 * all new content; never a mix, and no shadow is left after recovery.
 */
class FaultInjectionTest {
    @TempDir Path base;

    /** LATE: the commit returned, then its deferred finish failed (a delivery's target directory fsync): the store failed. */
    enum Outcome { COMMITTED, FAILED, UNKNOWN, LATE }

    /** A transaction's body, and what must hold once it committed (or, with {@code committed} false, failed). */
    interface Scenario {
        void setUp(Path root) throws IOException;

        void body(Transaction tx) throws IOException;

        void check(Path root, boolean committed, String state) throws IOException;
    }

    /** replace a, create d/b, delete c: a multi-path commit, with a commit record. */
    static final Scenario THREE_PATHS = new Scenario() {
        public void setUp(Path root) throws IOException {
            Files.createDirectories(root.resolve("d"));
            Files.writeString(root.resolve("a"), "old-a");
            Files.writeString(root.resolve("c"), "old-c");
        }

        public void body(Transaction tx) throws IOException {
            tx.write("a", "new-a".getBytes(UTF_8));
            tx.create("d/b", "new-b".getBytes(UTF_8));
            tx.delete("c");
        }

        public void check(Path root, boolean committed, String state) throws IOException {
            assertEquals(committed ? "new-a" : "old-a", Files.readString(root.resolve("a")), state);
            assertEquals(committed, Files.exists(root.resolve("d/b")), state);
            if (committed) assertEquals("new-b", Files.readString(root.resolve("d/b")), state);
            assertEquals(!committed, Files.exists(root.resolve("c")), state);
            if (!committed) assertEquals("old-c", Files.readString(root.resolve("c")), state);
        }
    };

    /** replace d/a: a single-path commit, published by a rename linked to its directory's fsync. */
    static final Scenario ONE_PATH = new Scenario() {
        public void setUp(Path root) throws IOException {
            Files.createDirectories(root.resolve("d"));
            Files.writeString(root.resolve("d/a"), "old-a");
        }

        public void body(Transaction tx) throws IOException {
            tx.write("d/a", "new-a".getBytes(UTF_8));
        }

        public void check(Path root, boolean committed, String state) throws IOException {
            assertEquals(committed ? "new-a" : "old-a", Files.readString(root.resolve("d/a")), state);
        }
    };

    /** map() of an existing file: its shadow is a reflink (XFS, btrfs) or a copy (ext4), then written through memory. */
    static final Scenario MAPPED = new Scenario() {
        public void setUp(Path root) throws IOException {
            Files.writeString(root.resolve("m"), "m".repeat(5000));
        }

        public void body(Transaction tx) throws IOException {
            tx.map("m", 4090, 10).fill((byte) 'M');
        }

        public void check(Path root, boolean committed, String state) throws IOException {
            assertEquals(committed ? "m".repeat(4090) + "M".repeat(10) + "m".repeat(900) : "m".repeat(5000), Files.readString(root.resolve("m")), state);
        }
    };

    /** The syscalls io_uring lacks, through the ring since issue 15: OFD commit locks, and map()'s reflink, copy and mmap. */
    @ParameterizedTest(name = "{0} on {1}, {2}")
    @CsvSource({"ENOLCK, lock, IO_URING", "ENOLCK, lock, BLOCKING"})
    void everyLockOp(String errnoName, String kind, Backend backend) throws Exception {
        explore(THREE_PATHS, errnoName, kind, backend);
        explore(DELIVERY, errnoName, kind, backend);
    }

    @ParameterizedTest(name = "{0} on {1}, {2}")
    @CsvSource({"EIO, copy, IO_URING", "ENOMEM, mmap, IO_URING", "ENOLCK, lock, IO_URING", "EIO, copy, BLOCKING", "ENOMEM, mmap, BLOCKING"})
    void everyOpIndexOfAMap(String errnoName, String kind, Backend backend) throws Exception {
        explore(MAPPED, errnoName, kind, backend);
    }

    @ParameterizedTest(name = "{0} on {1}, {2}")
    @CsvSource({
            "ENOSPC, write, IO_URING", "EIO, fsync, IO_URING", "EMFILE, open, IO_URING",
            "ENOSPC, write, BLOCKING", "EIO, fsync, BLOCKING", "EMFILE, open, BLOCKING"})
    void everyOpIndex(String errnoName, String kind, Backend backend) throws Exception {
        explore(THREE_PATHS, errnoName, kind, backend);
    }

    /**
     * A delivery: m/x created, then hard-linked as n/x and o/x — creates only, content known, so
     * the early-record path (record, shadow data and shadow directories synced in one batch).
     */
    static final Scenario DELIVERY = new Scenario() {
        public void setUp(Path root) throws IOException {
            for (String d : List.of("m", "n", "o")) Files.createDirectories(root.resolve(d));
        }

        public void body(Transaction tx) throws IOException {
            tx.create("m/x", "msg".getBytes(UTF_8));
            tx.link("m/x", "n/x");
            tx.link("m/x", "o/x");
        }

        public void check(Path root, boolean committed, String state) throws IOException {
            for (String p : List.of("m/x", "n/x", "o/x")) {
                assertEquals(committed, Files.exists(root.resolve(p)), state + ": " + p);
                if (committed) assertEquals("msg", Files.readString(root.resolve(p)), state + ": " + p);
            }
        }
    };

    /**
     * The mail-spool's delivery: a staged file written in o/, named m/x (its shadow renamed into
     * m/, where this store places m/'s shadows: a rename before the commit point), linked as n/x
     * and o/x.
     */
    static final Scenario STAGED_DELIVERY = new Scenario() {
        public void setUp(Path root) throws IOException {
            DELIVERY.setUp(root);
        }

        public void body(Transaction tx) throws IOException {
            Transaction.Staged s = tx.stage("o");
            tx.append(s, "ms".getBytes(UTF_8));
            tx.append(s, "g".getBytes(UTF_8));
            tx.create("m/x", s);
            tx.link("m/x", "n/x");
            tx.link("m/x", "o/x");
        }

        public void check(Path root, boolean committed, String state) throws IOException {
            DELIVERY.check(root, committed, state);
        }
    };

    @ParameterizedTest(name = "{0} on {1}, {2}")
    @CsvSource({"ENOSPC, write, IO_URING", "EIO, fsync, IO_URING", "EMFILE, open, IO_URING", "EIO, rename, IO_URING", "EIO, rename, BLOCKING"})
    void everyOpIndexOfAStagedDelivery(String errnoName, String kind, Backend backend) throws Exception {
        explore(STAGED_DELIVERY, errnoName, kind, backend);
    }

    // No rename runs before a delivery's commit point (its renames publish it), so no rename fault can fail it cleanly.
    @ParameterizedTest(name = "{0} on {1}, {2}")
    @CsvSource({
            "ENOSPC, write, IO_URING", "EIO, fsync, IO_URING", "EMFILE, open, IO_URING",
            "ENOSPC, write, BLOCKING", "EIO, fsync, BLOCKING", "EMFILE, open, BLOCKING"})
    void everyOpIndexOfADelivery(String errnoName, String kind, Backend backend) throws Exception {
        explore(DELIVERY, errnoName, kind, backend);
    }

    @ParameterizedTest(name = "{0} on {1}, {2}")
    @CsvSource({
            "ENOSPC, write, IO_URING", "EIO, fsync, IO_URING", "EMFILE, open, IO_URING", "EIO, rename, IO_URING",
            "ENOSPC, write, BLOCKING", "EIO, fsync, BLOCKING", "EMFILE, open, BLOCKING", "EIO, rename, BLOCKING"})
    void everyOpIndexOfASinglePathCommit(String errnoName, String kind, Backend backend) throws Exception {
        explore(ONE_PATH, errnoName, kind, backend);
    }

    /**
     * The same faults with every flush through the flusher thread: single-threaded, a commit is
     * always alone and otherwise runs its flushes on its own thread (GroupFlush's lone path).
     */
    @ParameterizedTest(name = "{0} on {1}, through the flusher")
    @CsvSource({"ENOSPC, write", "EIO, fsync", "EMFILE, open"})
    void everyOpIndexThroughTheFlusher(String errnoName, String kind) throws Exception {
        System.setProperty("txring.loneInline", "false"); // read when a store opens
        try {
            explore(THREE_PATHS, errnoName, kind, Backend.IO_URING, "-flusher");
            explore(DELIVERY, errnoName, kind, Backend.IO_URING, "-flusher");
        } finally {
            System.clearProperty("txring.loneInline");
        }
    }

    private void explore(Scenario scenario, String errnoName, String kind, Backend backend) throws Exception {
        explore(scenario, errnoName, kind, backend, "");
    }

    private void explore(Scenario scenario, String errnoName, String kind, Backend backend, String via) throws Exception {
        int errno = switch (errnoName) {
            case "ENOSPC" -> Errno.ENOSPC;
            case "EIO" -> Errno.EIO;
            case "ENOLCK" -> Errno.ENOLCK;
            case "ENOMEM" -> Errno.ENOMEM;
            default -> Errno.EMFILE;
        };
        Predicate<Op> ops = switch (kind) {
            case "write" -> Faults.opcodes(IORING_OP_WRITE, IORING_OP_WRITEV, IORING_OP_WRITE_FIXED);
            case "fsync" -> Faults.opcodes(IORING_OP_FSYNC, IORING_OP_SYNC_FILE_RANGE);
            case "rename" -> Faults.opcodes(IORING_OP_RENAMEAT);
            case "lock" -> Faults.opcodes(Op.SYSCALL_OFD_LOCK);
            case "copy" -> Faults.opcodes(Op.SYSCALL_FICLONE, Op.SYSCALL_COPY_FILE_RANGE);
            case "mmap" -> Faults.opcodes(Op.SYSCALL_MMAP);
            default -> Faults.opcodes(IORING_OP_OPENAT, IORING_OP_OPENAT2);
        };
        int[] outcomes = new int[Outcome.values().length];
        String where = (scenario == ONE_PATH ? "1-path" : scenario == DELIVERY ? "delivery" : scenario == STAGED_DELIVERY ? "staged"
                : scenario == MAPPED ? "map" : "3-path") + via;
        boolean delivery = scenario == DELIVERY || scenario == STAGED_DELIVERY;
        for (int n = 0; n < 500; n++) {
            Path root = Files.createDirectories(base.resolve(where + "-" + kind + "-" + backend + "-" + n));
            scenario.setUp(root);
            Faults faults = Faults.nth(ops, n, errno).disarm();
            RingConfig ring = RingConfig.builder().backend(backend).faults(faults).build();
            Outcome outcome;
            try (Store store = Store.open(root, StoreConfig.defaults().withRing(ring))) {
                faults.arm();
                try (Transaction tx = store.begin()) {
                    scenario.body(tx);
                    tx.commit();
                    store.settleDeferred(); // a delivery's last step runs on the flusher after commit returns
                    outcome = store.failure() == null ? Outcome.COMMITTED : Outcome.LATE;
                } catch (CommitUnknownException e) {
                    outcome = Outcome.UNKNOWN;
                } catch (IOException e) {
                    assertTrue(e.getMessage().contains(errnoName) || String.valueOf(e.getCause()).contains(errnoName),
                            "the error names the errno: " + e);
                    outcome = Outcome.FAILED;
                }
            }
            if (!faults.fired()) {
                assertEquals(Outcome.COMMITTED, outcome);
                assertTrue(n > 0, "the fault never fired: the op kind was never used");
                break;
            }
            outcomes[outcome.ordinal()]++;
            try (Store reopened = Store.open(root)) { // recovery
                String state = where + ": fault at " + kind + " #" + n + " → " + outcome;
                scenario.check(root, outcome != Outcome.FAILED, state);
                assertEquals(List.of(), shadows(root), state);
            }
            deleteTree(root);
        }
        System.out.printf("fault injection (%s) %s on %s (%s): %d failed cleanly, %d unknown then recovered, %d committed, "
                        + "%d committed then failed the store (then recovered)%n",
                where, errnoName, kind, backend, outcomes[1], outcomes[2], outcomes[0], outcomes[3]);
        if (kind.equals("copy") && ReflinkTest.reflinks(base)) { // a failed FICLONE falls back to a copy, and a reflink copies nothing: nothing left to fail
            assertEquals(0, outcomes[1], "a failed reflink falls back to a copy");
            assertTrue(outcomes[0] > 0, "the copy it fell back to committed");
        } else {
            assertTrue(outcomes[1] > 0, "some fault must fail the transaction");
        }
        if (kind.equals("fsync") && delivery) { // its target directories are synced after it returned
            assertTrue(outcomes[3] > 0, "a target directory fsync that fails after a delivery returned fails the store");
        } else if (kind.equals("fsync")) {
            assertTrue(outcomes[2] > 0, "a directory fsync that fails after publishing reports an unknown outcome");
        }
        if (!delivery) assertEquals(0, outcomes[3], "only a delivery defers its last step");
    }

    /**
     * The fsync of a shadow directory is shared by a whole flush batch; when it fails, the
     * commit fails before its commit point, and that directory is never trusted again: a
     * later commit with shadows there fails too, naming the fsync (fsyncgate), while a
     * commit elsewhere still lands. Nothing is published by either failed commit.
     */
    @Test
    void aFailedSharedDirectoryFsyncPoisonsThatDirectory() throws Exception {
        Path root = Files.createDirectories(base.resolve("poison"));
        Files.createDirectories(root.resolve("d"));
        Files.createDirectories(root.resolve("e"));
        Predicate<Op> fsyncOfD = op -> op.opcode() == IORING_OP_FSYNC && "d".equals(op.path());
        Faults faults = Faults.nth(fsyncOfD, 0, Errno.EIO);
        try (Store store = Store.open(root, StoreConfig.defaults().withRing(RingConfig.builder().faults(faults).build()))) {
            for (int attempt = 0; attempt < 2; attempt++) {
                try (Transaction tx = store.begin()) {
                    tx.write("d/a", "a".getBytes(UTF_8));
                    tx.write("d/b", "b".getBytes(UTF_8));
                    var e = assertThrows(io.txring.uring.NativeException.class, tx::commit, "attempt " + attempt);
                    assertEquals("fsync", e.operation(), e.toString());
                    assertEquals("d", e.path(), e.toString());
                    assertEquals(Errno.EIO, e.errno(), e.toString());
                }
            }
            assertTrue(faults.fired());
            try (Transaction tx = store.begin()) {
                tx.write("e/a", "a".getBytes(UTF_8));
                tx.write("e/b", "b".getBytes(UTF_8));
                tx.commit();
            }
        }
        assertFalse(Files.exists(root.resolve("d/a")));
        assertFalse(Files.exists(root.resolve("d/b")));
        assertEquals("a", Files.readString(root.resolve("e/a")));
        assertEquals(List.of(), shadows(root));
    }

    private static List<Path> shadows(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".txr-")).toList();
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
