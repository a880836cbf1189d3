package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.core.Backend;
import io.txring.core.RingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The two-process crash states: another JVM commits a 3-path transaction on a store this
 * process holds open and dies (halts, as SIGKILL would leave it: no cleanup, no finally)
 * right after its k-th op completed, for every k. This process then reads and commits on the
 * same paths — it must see the dead commit wholly or not at all, and its own commit must
 * build on that — and finally a lone open recovers: the state is still whole, nothing is left.
 */
class OrphanAdoptionTest {
    @TempDir Path base;

    static final List<String> PATHS = List.of("a", "d/b", "d/c");
    /**
     * Every op is a kill point (1), or every n-th ({@code -Dtxring.test.killPointStride}: the
     * filesystem matrix takes every 2nd, alternating which half between backends, to fit CI's time).
     */
    static final int KILL_POINT_STRIDE = Integer.getInteger("txring.test.killPointStride", 1);
    /** A delivery staged in box1/tmp and linked into two more Maildirs: the targets share one shadow name (Transaction#link). */
    static final List<String> MAILDIR_PATHS = List.of("box1/new/m", "box2/new/m", "box3/new/m");

    static List<String> pathsOf(String kind) {
        return kind.equals("link") ? MAILDIR_PATHS : PATHS;
    }

    /** The directories a kind's paths live in (Maildirs with tmp/ for "link"). */
    static void makeDirectories(Path root, String kind) throws IOException {
        if (kind.equals("link")) {
            for (String box : List.of("box1", "box2", "box3")) {
                Files.createDirectories(root.resolve(box + "/new"));
                Files.createDirectories(root.resolve(box + "/tmp"));
            }
        } else {
            Files.createDirectories(root.resolve("d"));
        }
    }

    static StoreConfig configOf(String kind, RingConfig ring) {
        StoreConfig c = StoreConfig.defaults().withRing(ring);
        return kind.equals("link") ? c.withShadowPlacement(ShadowPlacement.MAILDIR) : c;
    }

    /**
     * {@code Child ROOT K BACKEND [create|write|link]}: commits a, d/b, d/c := "1" (as creates of absent files
     * with "create": the early-record path; "link": one create in box1's Maildir linked into two more,
     * staged in box1/tmp) and halts after op K (never, if K is past the end).
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            int k = Integer.parseInt(args[1]);
            AtomicInteger ops = new AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
            RingConfig ring = RingConfig.builder().backend(Backend.valueOf(args[2])).tracer((op, res) -> {
                if (ops.getAndIncrement() == k) {
                    System.out.println("HALT " + (returned.get() ? "after" : "before") + " commit returned"); // println flushes
                    Runtime.getRuntime().halt(99); // dies with the op done, like a SIGKILL
                }
            }).build();
            int before;
            String kind = args.length > 3 ? args[3] : "write";
            List<String> paths = pathsOf(kind);
            try (Store store = Store.open(Path.of(args[0]), configOf(kind, ring))) {
                before = ops.get();
                try (Transaction tx = store.begin()) {
                    for (String p : paths) {
                        if (kind.equals("link") && p != paths.getFirst()) tx.link(paths.getFirst(), p);
                        else if (kind.equals("create") || kind.equals("link")) tx.create(p, "1".getBytes(UTF_8));
                        else tx.write(p, "1".getBytes(UTF_8));
                    }
                    tx.commit();
                    returned.set(true);
                }
                if (args.length > 4 && args[4].equals("read-after-commit")) {
                    // Its paths are locked until the deferred finish runs: this read must hurry it, not wait out its delay.
                    try (Transaction tx = store.begin()) {
                        StringBuilder b = new StringBuilder();
                        for (String p : paths) b.append(new String(tx.read(p), UTF_8));
                        System.out.println("READ " + b);
                    }
                    System.out.flush();
                    Runtime.getRuntime().halt(98);
                }
                if (args.length > 4 && args[4].equals("halt-after-commit")) Runtime.getRuntime().halt(98); // acknowledged, not yet finished
            }
            // Counted after the close: a delivery's last step (directory fsyncs, shadow unlinks, record removal) runs after
            // commit returned, on the flusher, at the latest when the store closes; every one of those ops is a kill point too.
            System.out.println("OPS " + (ops.get() - before) + " FROM " + before);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"IO_URING", "BLOCKING"})
    void aCommitWhoseOwnerDiedIsFinishedBeforeAnyoneBuildsOnIt(Backend backend) throws Exception {
        killAfterEachOp(backend, "write");
    }

    /**
     * The same for a commit that only creates files (a delivery): its record is written before
     * its shadows are synced, in one flush round with them; killed anywhere, it is still seen
     * whole or not at all.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"IO_URING", "BLOCKING"})
    void aDeliveryWhoseOwnerDiedIsFinishedBeforeAnyoneBuildsOnIt(Backend backend) throws Exception {
        killAfterEachOp(backend, "create");
    }

    /**
     * A Maildir delivery: staged in box1/tmp, linked into box2 and box3, the three targets
     * sharing one shadow name until something needs two (Transaction#link). Killed after
     * any op, the message is in every mailbox or in none, and nothing is left behind.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"IO_URING", "BLOCKING"})
    void aMaildirDeliveryWithSharedShadowNamesWhoseOwnerDiedIsWhole(Backend backend) throws Exception {
        killAfterEachOp(backend, "link");
    }

    /**
     * A delivery is acknowledged (commit returned) before its target directories are synced.
     * Its process dies right then, its deferred finish not yet run (held back for minutes here):
     * a live handle elsewhere finds it whole and finishes it, and a lone open after that leaves
     * nothing behind. Then the same with no other handle open: the lone open finishes it.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"IO_URING", "BLOCKING"})
    void anAcknowledgedDeliveryWhoseOwnerDiedBeforeItsFinishIsWhole(Backend backend) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        for (boolean otherHandle : new boolean[] {true, false}) {
            Path root = Files.createDirectories(base.resolve("acked-" + backend + "-" + otherHandle));
            Files.createDirectories(root.resolve("d"));
            // What the live handle's adoption does, in order: opcode, fsync flags, first path.
            List<String> ops = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean recording = new AtomicBoolean();
            RingConfig traced = RingConfig.builder().backend(backend).tracer((op, res) -> {
                if (recording.get()) ops.add(op.opcode() + " " + op.flags() + " " + op.firstPath());
            }).build();
            Store here = otherHandle ? Store.open(root, StoreConfig.defaults().withRing(traced)) : null;
            try {
                Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Dtxring.finishDelayMicros=600000000",
                        "-cp", System.getProperty("java.class.path"), Child.class.getName(), root.toString(),
                        Integer.toString(Integer.MAX_VALUE), backend.name(), "create", "halt-after-commit")
                        .redirectErrorStream(true).start();
                String out = new String(child.getInputStream().readAllBytes(), UTF_8);
                assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child finished");
                assertEquals(98, child.exitValue(), "the child died right after its commit returned: " + out);
                assertFalse(leftovers(root).stream().filter(p -> p.getFileName().toString().startsWith(".txr-")).toList().isEmpty(),
                        "the dead delivery's shadows are still there (its finish never ran)");
                if (here != null) {
                    recording.set(true);
                    String seen = here.run(tx -> {
                        StringBuilder b = new StringBuilder();
                        for (String p : PATHS) b.append(tx.exists(p) ? new String(tx.read(p), UTF_8) : "0");
                        return b.toString();
                    });
                    assertEquals("111", seen, "an acknowledged delivery is whole for a live handle");
                    recording.set(false);
                    // The adopter removes the shadows only once every target directory is synced (a power cut in
                    // between must still find them): no directory fsync (a full fsync; logs and files get fdatasync)
                    // comes after the first shadow's unlink.
                    List<String> seenOps = List.copyOf(ops);
                    int firstUnlink = -1;
                    for (int i = 0; i < seenOps.size() && firstUnlink < 0; i++) {
                        String[] f = seenOps.get(i).split(" ", 3);
                        if (Integer.parseInt(f[0]) == io.txring.uring.generated.uring_h.IORING_OP_UNLINKAT && f[2].startsWith(".txr-")) firstUnlink = i;
                    }
                    assertTrue(firstUnlink > 0, "the adopter removed the shadows: " + seenOps);
                    for (String o : seenOps.subList(firstUnlink, seenOps.size())) {
                        String[] f = o.split(" ", 3);
                        boolean dirFsync = Integer.parseInt(f[0]) == io.txring.uring.generated.uring_h.IORING_OP_FSYNC
                                && (Integer.parseInt(f[1]) & io.txring.uring.generated.uring_h.IORING_FSYNC_DATASYNC) == 0;
                        assertFalse(dirFsync, "a directory fsync after a shadow was unlinked: " + seenOps);
                    }
                    assertEquals(List.of(), leftovers(root).stream().filter(p -> p.getFileName().toString().startsWith(".txr-")).toList(),
                            "the live handle finished it: no shadow left (the dead handle's log, zeroed, waits for a lone open)");
                }
            } finally {
                if (here != null) here.close();
            }
            try (Store lone = Store.open(root, StoreConfig.defaults().withRing(RingConfig.builder().backend(backend).build()))) {
                assertNotNull(lone.recoverySummary());
            }
            assertEquals("111", contents(root), "after a lone open");
            assertEquals(List.of(), leftovers(root), "shadows or records left");
        }
    }

    /**
     * A delivery's paths stay locked until its deferred finish runs (held back for minutes here):
     * a read of them in the same process right after the commit hurries the finish, and sees
     * the delivery whole with its shadows already gone.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"IO_URING", "BLOCKING"})
    void aReadOfAFreshDeliveryHurriesItsDeferredFinish(Backend backend) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path root = Files.createDirectories(base.resolve("hurry-" + backend));
        Files.createDirectories(root.resolve("d"));
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Dtxring.finishDelayMicros=600000000",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), root.toString(),
                Integer.toString(Integer.MAX_VALUE), backend.name(), "create", "read-after-commit")
                .redirectErrorStream(true).redirectOutput(base.resolve("hurry-" + backend + ".out").toFile()).start();
        try {
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the read waited out the finish's 10-minute delay: nothing hurried it");
        } finally {
            child.destroyForcibly().waitFor();
        }
        String out = Files.readString(base.resolve("hurry-" + backend + ".out"));
        assertEquals(98, child.exitValue(), out);
        assertTrue(out.contains("READ 111"), out);
        assertEquals(List.of(), leftovers(root).stream().filter(p -> p.getFileName().toString().startsWith(".txr-")).toList(),
                "the finish ran (its shadows are gone) before the read got the lock");
        assertEquals("111", contents(root));
    }

    /** The delivery case with the deferred finish off: the switch's other path keeps its guarantees too. */
    @org.junit.jupiter.api.Test
    void aDeliveryWithoutDeferredFinishWhoseOwnerDiedIsFinished() throws Exception {
        killAfterEachOp(Backend.IO_URING, "create", "-Dtxring.deferredFinish=false");
    }

    private void killAfterEachOp(Backend backend, String kind, String... childProperties) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        boolean creates = !kind.equals("write");
        List<String> paths = pathsOf(kind);
        int end = Integer.MAX_VALUE, from = 0, states = 0, adopted = 0, absent = 0, afterReturn = 0;
        // k = 0 counts the ops; then every KILL_POINT_STRIDE-th, the two backends starting at different ones
        for (int k = 0; k <= end; k = k == 0 ? 1 + backend.ordinal() % KILL_POINT_STRIDE : k + KILL_POINT_STRIDE) {
            Path root = Files.createDirectories(base.resolve(backend + "-" + kind + "-" + k));
            makeDirectories(root, kind);
            if (!creates) for (String p : paths) Files.writeString(root.resolve(p), "0");
            try (Store here = Store.open(root, configOf(kind, RingConfig.builder().backend(backend).build()))) {
                List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
                command.addAll(List.of(childProperties));
                command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                        Child.class.getName(), root.toString(), Integer.toString(k == 0 ? Integer.MAX_VALUE : from + k - 1), backend.name(),
                        kind));
                Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
                String out;
                try {
                    out = new String(child.getInputStream().readAllBytes(), UTF_8);
                    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child finished");
                } finally {
                    child.destroyForcibly().waitFor();
                }
                if (k == 0) { // the first run only counts the transaction's ops (and commits it whole)
                    assertEquals(0, child.exitValue(), out);
                    String[] f = out.strip().split(" ");
                    end = Integer.parseInt(f[1]) + 1;
                    from = Integer.parseInt(f[3]);
                    assertEquals("111", contents(root, paths));
                    continue;
                }
                assertTrue(child.exitValue() == 99 || child.exitValue() == 0, "exit " + child.exitValue() + ": " + out);
                // This process builds on whatever the dead commit left: it must see it whole or not at all.
                String seen = here.run(tx -> {
                    StringBuilder b = new StringBuilder();
                    for (String p : paths) b.append(tx.exists(p) ? new String(tx.read(p), UTF_8) : "0"); // "0": absent (creates)
                    for (String p : paths) tx.write(p, ((tx.exists(p) ? new String(tx.read(p), UTF_8) : "0") + "+").getBytes(UTF_8));
                    return b.toString();
                });
                assertTrue(seen.equals("000") || seen.equals("111"), "op " + k + ": a committed transaction read " + seen);
                if (out.contains("HALT after commit returned")) { // acknowledged before it died: it must have landed
                    assertEquals("111", seen, "op " + k + ": the commit had returned");
                    afterReturn++;
                }
                if (seen.equals("111")) adopted++;
                else absent++;
                assertEquals(seen.replace("0", "0+").replace("1", "1+"), contents(root, paths), "op " + k + ": the later commit built on it");
            }
            try (Store lone = Store.open(root, configOf(kind, RingConfig.builder().backend(backend).build()))) {
                assertNotNull(lone.recoverySummary());
            }
            String after = contents(root, paths);
            assertTrue(after.equals("0+0+0+") || after.equals("1+1+1+"), "op " + k + ": after recovery " + after);
            assertEquals(List.of(), leftovers(root), "op " + k + ": shadows or records left");
            states++;
            deleteTree(root);
        }
        System.out.printf("orphan adoption (%s, %s%s): %d kill points of a 3-path commit in another JVM: %d finished by this process "
                        + "(%d of them killed after commit returned), %d never committed%n",
                backend, kind.equals("link") ? "a Maildir delivery with shared shadow names" : creates ? "creates" : "replaces", childProperties.length == 0 ? "" : ", " + String.join(" ", childProperties),
                states, adopted, afterReturn, absent);
        assertTrue(afterReturn > 0, "some kill points fell after commit returned");
        assertTrue(adopted > 0 && absent > 0, "kill points fell both before and after the commit point");
    }

    /**
     * {@code RecoveryVictim ROOT SIGNALS}: opens the store alone, and inside its recovery, right
     * after the first rename, says so and waits for "go", then dies.
     */
    public static final class RecoveryVictim {
        public static void main(String[] args) throws Exception {
            Path signals = Path.of(args[1]);
            RingConfig ring = RingConfig.builder().tracer((op, res) -> {
                if (op.opcode() != io.txring.uring.generated.uring_h.IORING_OP_RENAMEAT) return;
                try {
                    Files.writeString(signals.resolve("in-recovery"), "");
                    for (int i = 0; i < 3000 && !Files.exists(signals.resolve("go")); i++) Thread.sleep(10);
                } catch (Exception e) {
                    // die all the same
                }
                Runtime.getRuntime().halt(99);
            }).build();
            try (Store s = Store.open(Path.of(args[0]), StoreConfig.defaults().withRing(ring))) {
                System.out.println("recovery finished: " + s.recoverySummary());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void anOpenerWaitingOnALoneRecoveryThatDiesRedoesIt() throws Exception {
        Path root = Files.createDirectories(base.resolve("interrupted"));
        Path signals = Files.createDirectories(base.resolve("signals"));
        Files.createDirectories(root.resolve(".txring/journal"));
        Files.writeString(root.resolve("a"), "old-a");
        Files.writeString(root.resolve("b"), "old-b");
        Files.writeString(root.resolve(".txr-0-x-1-0"), "new-a");
        Files.writeString(root.resolve(".txr-0-x-1-1"), "new-b");
        Files.write(root.resolve(".txring/journal/0-x-1"), new CommitRecord(List.of(
                new CommitRecord.Step(CommitRecord.Kind.REPLACE, "", "", ".txr-0-x-1-0", "a", CrashModel.stampOf(root.resolve("a"))),
                new CommitRecord.Step(CommitRecord.Kind.REPLACE, "", "", ".txr-0-x-1-1", "b", CrashModel.stampOf(root.resolve("b")))))
                .encode());
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process victim = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RecoveryVictim.class.getName(), root.toString(), signals.toString()).redirectErrorStream(true).start();
        try {
            for (int i = 0; i < 3000 && !Files.exists(signals.resolve("in-recovery")); i++) Thread.sleep(10);
            assertTrue(Files.exists(signals.resolve("in-recovery")), "the victim's recovery started");
            assertEquals("new-a", Files.readString(root.resolve("a")));
            assertEquals("old-b", Files.readString(root.resolve("b")), "the victim stops half-way through the record");
            var opened = new java.util.concurrent.CompletableFuture<String>();
            Thread.ofPlatform().start(() -> { // waits on the victim's exclusive hold, then must redo the recovery alone
                try (Store s = Store.open(root)) {
                    opened.complete(s.recoverySummary() + " | b=" + Files.readString(root.resolve("b")));
                } catch (Throwable t) {
                    opened.completeExceptionally(t);
                }
            });
            Thread.sleep(300);
            assertFalse(opened.isDone(), "the second opener waits while the victim recovers");
            Files.writeString(signals.resolve("go"), "");
            assertTrue(victim.waitFor(30, TimeUnit.SECONDS));
            assertEquals(99, victim.exitValue());
            String summary = opened.get(30, TimeUnit.SECONDS);
            assertTrue(summary.startsWith("1 commit records replayed"), "the second opener redid the recovery alone: " + summary);
            assertTrue(summary.endsWith("b=new-b"), summary);
        } finally {
            victim.destroyForcibly().waitFor();
        }
        assertEquals("new-a", Files.readString(root.resolve("a")));
        assertEquals("new-b", Files.readString(root.resolve("b")));
        assertEquals(List.of(), leftovers(root));
    }

    private static String contents(Path root) throws IOException {
        return contents(root, PATHS);
    }

    private static String contents(Path root, List<String> paths) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String p : paths) b.append(Files.exists(root.resolve(p)) ? Files.readString(root.resolve(p)) : "0"); // "0": absent
        return b.toString();
    }

    private static List<Path> leftovers(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".txr-") || p.getParent().endsWith(".txring/journal")).toList();
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
