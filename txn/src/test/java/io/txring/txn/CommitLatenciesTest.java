package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Store.metrics().latencies(): each step of each commit is counted, and a whole commit takes at least its steps. */
class CommitLatenciesTest {
    @TempDir Path root;

    @Test
    void everyStepOfEveryCommitIsTimed() throws Exception {
        Files.createDirectories(root.resolve("d"));
        try (Store store = Store.open(root)) {
            for (int i = 0; i < 20; i++) {
                int n = i;
                store.run(tx -> { tx.write("a", ("v" + n).getBytes(UTF_8)); tx.write("d/b", ("w" + n).getBytes(UTF_8)); return null; });
            }
            store.run(tx -> { tx.write("single", "x".getBytes(UTF_8)); return null; }); // one change: no record, no finish
            Map<CommitStep, Latency> l = store.metrics().latencies();
            assertEquals(21, l.get(CommitStep.COMMIT).count(), l.toString());
            for (CommitStep s : new CommitStep[] {CommitStep.FLUSH, CommitStep.LOCK, CommitStep.VALIDATE, CommitStep.PUBLISH}) {
                assertEquals(21, l.get(s).count(), s + ": " + l);
            }
            assertEquals(20, l.get(CommitStep.RECORD).count(), "only the 2-path commits write a record: " + l);
            assertEquals(20, l.get(CommitStep.FINISH).count(), l.toString());
            Latency c = l.get(CommitStep.COMMIT);
            assertTrue(c.p50() > 0 && c.p50() <= c.p99() && c.p99() <= c.max(), c.toString());
            assertTrue(c.max() >= l.get(CommitStep.RECORD).max() / 1.02, "a commit takes at least its record step: " + l);
        }
    }
}
