package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A transaction in another JVM read (or wrote) a file this process then committed: its commit is refused. */
class CrossProcessConflictTest {
    @TempDir Path root;
    @TempDir Path signals;

    /** {@code Worker ROOT SIGNALS MODE}: reads x (or only writes it), waits for "go", writes x, commits. */
    public static final class Worker {
        public static void main(String[] args) throws Exception {
            Path signals = Path.of(args[1]);
            try (Store store = Store.open(Path.of(args[0]), StoreConfig.defaults().withMaxAttempts(1))) {
                try (Transaction tx = store.begin()) {
                    if (args[2].equals("read-write")) tx.read("x");
                    else tx.stamp("x"); // a blind write still records the stamp at first touch
                    Files.writeString(signals.resolve("ready"), "");
                    for (int i = 0; i < 3000 && !Files.exists(signals.resolve("go")); i++) Thread.sleep(10);
                    tx.write("x", "from the other JVM".getBytes(UTF_8));
                    try {
                        tx.commit();
                        System.out.println("COMMITTED");
                    } catch (ConflictException e) {
                        System.out.println("CONFLICT " + e.changes());
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"read-write", "write-write"})
    void theOtherProcessesCommitIsRefused(String mode) throws Exception {
        Files.writeString(root.resolve("x"), "v0");
        try (Store store = Store.open(root)) {
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process other = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    Worker.class.getName(), root.toString(), signals.toString(), mode).redirectErrorStream(true).start();
            for (int i = 0; i < 3000 && !Files.exists(signals.resolve("ready")); i++) Thread.sleep(10);
            assertTrue(Files.exists(signals.resolve("ready")), "the other JVM started its transaction");
            store.run(tx -> { tx.write("x", "from this JVM".getBytes(UTF_8)); return null; });
            Files.writeString(signals.resolve("go"), "");
            String out = new String(other.getInputStream().readAllBytes(), UTF_8);
            assertEquals(0, other.waitFor(), out);
            assertTrue(out.contains("CONFLICT [Change[path=x"), out);
        }
        assertEquals("from this JVM", Files.readString(root.resolve("x")), "the refused commit changed nothing");
    }
}
