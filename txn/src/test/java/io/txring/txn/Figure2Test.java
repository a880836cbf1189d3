package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.core.RingMetrics;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed's Figure 2: begin, open, map, write 128 through the mapping, commit. */
class Figure2Test {
    @TempDir Path root;

    @Test
    void readersSeeOldContentUntilCommitAndNewAfter() throws Exception {
        Files.writeString(root.resolve("data"), "x".repeat(4096));
        try (Store store = Store.open(root)) {
            RingMetrics before = store.ringMetrics();
            try (Transaction tx = store.begin()) {
                MemorySegment m = tx.map("data", 100, 128);
                for (int i = 0; i < 128; i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) 'N');
                assertEquals("x".repeat(4096), Files.readString(root.resolve("data")), "readers see the old content");
                tx.commit();
                assertThrows(IllegalStateException.class, () -> m.get(ValueLayout.JAVA_BYTE, 0), "the mapping ends with the transaction");
            }
            String now = Files.readString(root.resolve("data"));
            assertEquals("x".repeat(100) + "N".repeat(128) + "x".repeat(4096 - 228), now);
            RingMetrics d = store.ringMetrics().minus(before);
            System.out.printf("figure 2: %d ops, %d traps (io_uring_enter calls)%n", d.submitted(), d.enters());
        }
    }

    @Test
    void mapCreatesAFileAndAbortDiscardsIt() throws Exception {
        try (Store store = Store.open(root)) {
            try (Transaction tx = store.begin()) {
                tx.map("fresh", 5000, 10).fill((byte) 'z');
            }
            assertFalse(Files.exists(root.resolve("fresh")));
            store.run(tx -> { tx.map("fresh", 5000, 10).fill((byte) 'z'); return null; });
            byte[] b = Files.readAllBytes(root.resolve("fresh"));
            assertEquals(5010, b.length);
            assertEquals("zzzzzzzzzz", new String(b, 5000, 10, UTF_8));
        }
    }
}
