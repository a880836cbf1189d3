package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.core.Backend;
import io.txring.core.RingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    /** {@code Child ROOT K BACKEND}: commits a, d/b, d/c := "1" and halts after op K (never, if K is past the end). */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            int k = Integer.parseInt(args[1]);
            AtomicInteger ops = new AtomicInteger();
            RingConfig ring = RingConfig.builder().backend(Backend.valueOf(args[2])).tracer((op, res) -> {
                if (ops.getAndIncrement() == k) Runtime.getRuntime().halt(99); // dies with the op done, like a SIGKILL
            }).build();
            try (Store store = Store.open(Path.of(args[0]), StoreConfig.defaults().withRing(ring))) {
                int before = ops.get();
                try (Transaction tx = store.begin()) {
                    for (String p : PATHS) tx.write(p, "1".getBytes(UTF_8));
                    tx.commit();
                }
                System.out.println("OPS " + (ops.get() - before) + " FROM " + before);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"IO_URING", "BLOCKING"})
    void aCommitWhoseOwnerDiedIsFinishedBeforeAnyoneBuildsOnIt(Backend backend) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        int end = Integer.MAX_VALUE, from = 0, states = 0, adopted = 0, absent = 0;
        for (int k = 0; k <= end; k++) {
            Path root = Files.createDirectories(base.resolve(backend + "-" + k));
            Files.createDirectories(root.resolve("d"));
            for (String p : PATHS) Files.writeString(root.resolve(p), "0");
            try (Store here = Store.open(root, StoreConfig.defaults().withRing(RingConfig.builder().backend(backend).build()))) {
                Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        Child.class.getName(), root.toString(), Integer.toString(k == 0 ? Integer.MAX_VALUE : from + k - 1), backend.name())
                        .redirectErrorStream(true).start();
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
                    assertEquals("111", contents(root));
                    continue;
                }
                assertTrue(child.exitValue() == 99 || child.exitValue() == 0, "exit " + child.exitValue() + ": " + out);
                // This process builds on whatever the dead commit left: it must see it whole or not at all.
                String seen = here.run(tx -> {
                    StringBuilder b = new StringBuilder();
                    for (String p : PATHS) b.append(new String(tx.read(p), UTF_8));
                    for (String p : PATHS) tx.write(p, (new String(tx.read(p), UTF_8) + "+").getBytes(UTF_8));
                    return b.toString();
                });
                assertTrue(seen.equals("000") || seen.equals("111"), "op " + k + ": a committed transaction read " + seen);
                if (seen.equals("111")) adopted++;
                else absent++;
                assertEquals(seen.replace("0", "0+").replace("1", "1+"), contents(root), "op " + k + ": the later commit built on it");
            }
            try (Store lone = Store.open(root, StoreConfig.defaults().withRing(RingConfig.builder().backend(backend).build()))) {
                assertNotNull(lone.recoverySummary());
            }
            String after = contents(root);
            assertTrue(after.equals("0+0+0+") || after.equals("1+1+1+"), "op " + k + ": after recovery " + after);
            assertEquals(List.of(), leftovers(root), "op " + k + ": shadows or records left");
            states++;
            deleteTree(root);
        }
        System.out.printf("orphan adoption (%s): %d kill points of a 3-path commit in another JVM: %d finished by this process, %d never committed%n",
                backend, states, adopted, absent);
        assertTrue(adopted > 0 && absent > 0, "kill points fell both before and after the commit point");
    }

    private static String contents(Path root) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String p : PATHS) b.append(Files.readString(root.resolve(p)));
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
