package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit syncs on its own thread only under a sequential load (GroupFlush's lone path): being
 * the one commit under way at an instant is not enough once commits have overlapped lately.
 */
class LoneCommitTest {
    @TempDir Path root;

    /** The {@code lone} flag of every flush batch of a two-file commit made right after {@code before}. */
    private List<Boolean> loneFlags(Store store, String tag, Runnable before) throws Exception {
        Path jfr = root.resolveSibling(root.getFileName() + "-" + tag + ".jfr");
        try (Recording r = new Recording()) {
            r.enable("io.txring.FlushBatch");
            r.start();
            before.run();
            store.run(tx -> { tx.write("a", tag.getBytes(UTF_8)); tx.write("b", tag.getBytes(UTF_8)); return null; }); // a record: step 1 and 4 flushes
            r.stop();
            r.dump(jfr);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
        Files.delete(jfr);
        return events.stream().filter(e -> e.getEventType().getName().equals("io.txring.FlushBatch")) // others are on by default
                .map(e -> e.getBoolean("lone")).toList();
    }

    @Test
    void aCommitGoesAloneOnlyWhenNoCommitsOverlappedLately() throws Exception {
        try (Store store = Store.open(root)) {
            assumeTrue(store.groupFlush.hasLonePath(), "the lone path needs io_uring and a second ring (or was switched off)");
            List<Boolean> sequential = loneFlags(store, "first", () -> { });
            assertFalse(sequential.isEmpty());
            assertTrue(sequential.stream().allMatch(b -> b), "a sequential commit syncs on its own thread: " + sequential);

            store.groupFlush.calmNanos = 3_600_000_000_000L; // an hour: however slow this machine, the overlap below is recent
            List<Boolean> afterOverlap = loneFlags(store, "second", () -> {
                store.groupFlush.commitStarted(); // two commits under way at once, as under concurrent load
                store.groupFlush.commitStarted();
                store.groupFlush.commitEnded();
                store.groupFlush.commitEnded();
            });
            assertFalse(afterOverlap.isEmpty());
            assertTrue(afterOverlap.stream().noneMatch(b -> b), "right after an overlap the flusher syncs it: " + afterOverlap);

            store.groupFlush.calmNanos = 50_000_000L;
            Thread.sleep(200); // past the calm window (a longer pause only makes it calmer)
            List<Boolean> calmAgain = loneFlags(store, "third", () -> { });
            assertTrue(calmAgain.stream().allMatch(b -> b), "calm again: alone again: " + calmAgain);
        }
        assertEquals("third", Files.readString(root.resolve("b")));
    }
}
