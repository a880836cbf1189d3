package io.txring.bench;

import io.txring.core.RingMetrics;
import io.txring.txn.Store;
import io.txring.txn.Transaction;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * {@code ./txring figure2}: the seed's Figure 2 — begin, open, map, write 128 bytes
 * through the mapping, commit — showing that a reader sees the old content until the
 * commit and the new after, and what it cost in traps.
 */
public final class Figure2 {
    private Figure2() {}

    public static void main(String[] args) throws Exception {
        Path root = Files.createTempDirectory("txring-figure2-");
        try {
            Files.write(root.resolve("data"), new byte[4096]);
            try (Store store = Store.open(root)) {
                RingMetrics before = store.ringMetrics();
                try (Transaction tx = store.begin()) {                  // begin
                    MemorySegment m = tx.map("data", 0, 128);           // open + map (a private copy)
                    for (int i = 0; i < 128; i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) 0x7f); // write 128
                    System.out.println("before commit, a reader sees byte 0 = " + Files.readAllBytes(root.resolve("data"))[0]);
                    tx.commit();                                        // commit: all or nothing
                }
                System.out.println("after commit,  a reader sees byte 0 = " + Files.readAllBytes(root.resolve("data"))[0]);
                RingMetrics d = store.ringMetrics().minus(before);
                System.out.printf("%d ops through %s, %d traps (io_uring_enter calls)%n", d.submitted(), store.ring().describe(), d.enters());
            }
        } finally {
            ScratchDir.delete(root);
        }
    }
}
