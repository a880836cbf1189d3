package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JFR events a recording of a store's work holds, with the fields operators read. */
class JfrEventsTest {
    @TempDir Path root;

    @Test
    void aRecordingShowsCommitsTheirStepsConflictsBatchesRecoveryAndRings() throws Exception {
        Files.writeString(root.resolve("a"), "A0");
        Files.createDirectories(root.resolve("d"));
        Path jfr = root.resolveSibling(root.getFileName() + ".jfr");
        try (Recording r = new Recording()) {
            r.enable("io.txring.Commit");
            r.enable("io.txring.Conflict");
            r.enable("io.txring.FlushBatch");
            r.enable("io.txring.SyncBatch");
            r.enable("io.txring.Recovery");
            r.enable("io.txring.RingStatistics").withPeriod(Duration.ofMillis(200));
            r.enable("io.txring.RingWait").withThreshold(Duration.ZERO);
            r.start();
            try (Store store = Store.open(root)) {
                store.run(tx -> { tx.write("a", "A1".getBytes(UTF_8)); tx.create("d/b", "B1".getBytes(UTF_8)); return null; });
                try (Transaction t1 = store.begin(); Transaction t2 = store.begin()) {
                    t1.write("a", "from t1".getBytes(UTF_8));
                    t2.write("a", "from t2".getBytes(UTF_8));
                    t1.commit();
                    assertThrows(ConflictException.class, t2::commit);
                }
                Thread.sleep(500); // a few statistics periods
            }
            r.stop();
            r.dump(jfr);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
        Files.delete(jfr);
        Map<String, List<RecordedEvent>> byName = events.stream().collect(Collectors.groupingBy(e -> e.getEventType().getName()));
        List<RecordedEvent> commits = byName.getOrDefault("io.txring.Commit", List.of());
        assertEquals(3, commits.size(), "two commits and a refused one: " + commits);
        RecordedEvent two = commits.stream().filter(e -> e.getInt("paths") == 2).findFirst().orElseThrow();
        assertEquals("committed", two.getString("outcome"));
        assertEquals("record", two.getString("kind"), two.toString());
        for (String step : List.of("flush", "lock", "validate", "record", "publish", "finish")) {
            assertTrue(two.getLong(step) > 0, step + " was timed: " + two);
        }
        assertEquals(1, commits.stream().filter(e -> e.getString("outcome").equals("conflict")).count());
        RecordedEvent conflict = byName.get("io.txring.Conflict").getFirst();
        assertEquals("a", conflict.getString("path"));
        assertFalse(byName.getOrDefault("io.txring.FlushBatch", List.of()).isEmpty(), "group commit batches");
        assertTrue(byName.get("io.txring.FlushBatch").stream().allMatch(e -> e.getInt("commits") >= 1));
        RecordedEvent recovery = byName.get("io.txring.Recovery").getFirst();
        assertEquals(root.toString(), recovery.getString("root"));
        assertTrue(byName.getOrDefault("io.txring.RingStatistics", List.of()).stream().anyMatch(e -> e.getLong("submitted") > 0),
                "ring statistics count the store's ops");
        assertFalse(byName.getOrDefault("io.txring.RingWait", List.of()).isEmpty(), "waits for completions, at threshold 0");
    }
}
