package io.txring.txn;

import static io.txring.uring.generated.uring_h.IORING_OP_RENAMEAT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.core.Faults;
import io.txring.core.RingConfig;
import io.txring.uring.generated.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process, fail-stop: a commit that fails after its commit point fails the store before
 * its locks are released; a transaction begun before that cannot commit over the half-done
 * commit; the store finishes it by itself. And {@link Store#run} retries to a deadline.
 */
class FailStopTest {
    @TempDir Path root;

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    private String content(String rel) throws IOException {
        return Files.readString(root.resolve(rel));
    }

    @Test
    void aTransactionBegunBeforeAFailurePastTheCommitPointNeverCommitsOverIt() throws Exception {
        Files.writeString(root.resolve("x"), "x0");
        Files.writeString(root.resolve("y"), "y0");
        // The second rename of the publish fails: x is published, y is not — a half-published commit.
        Faults faults = Faults.nth(Faults.opcodes(IORING_OP_RENAMEAT), 1, Errno.EIO).disarm();
        try (Store store = Store.open(root, StoreConfig.defaults().withRing(RingConfig.builder().faults(faults).build()))) {
            Transaction early = store.begin();
            assertFalse(early.exists("z")); // begun, touching nothing of x, y yet
            faults.arm();
            try (Transaction t = store.begin()) {
                t.write("x", b("x1"));
                t.write("y", b("y1"));
                assertThrows(CommitUnknownException.class, t::commit);
            }
            assertTrue(faults.fired());
            // What the early transaction now reads is the finished commit, never x1 with y0.
            String seen = new String(early.read("x"), UTF_8) + new String(early.read("y"), UTF_8);
            assertEquals("x1y1", seen, "a first read finishes the orphaned commit before it reads");
            early.write("x", b("from-early"));
            IOException refused = assertThrows(IOException.class, early::commit);
            assertTrue(refused instanceof StoreFailedException, "the failed store refuses under the locks: " + refused);
            assertEquals("x1", content("x"));
            assertEquals("y1", content("y"));
            // begin() recovers by itself: the store works again, and says so.
            store.run(tx -> {
                tx.write("x", b("x2"));
                return null;
            });
            assertEquals("x2", content("x"));
            assertEquals(1, store.metrics().recoveries());
        }
        try (Stream<Path> s = Files.list(root.resolve(".txring/journal"))) {
            assertEquals(List.of(), s.toList(), "no record left");
        }
    }

    @Test
    void runRetriesUntilItsDeadlineNotACountAndSaysSo() throws Exception {
        Files.writeString(root.resolve("hot"), "0");
        StoreConfig config = StoreConfig.defaults().withRunTimeout(Duration.ofSeconds(1)).withBackoff(Duration.ofNanos(100_000)); // waits capped at 10 ms
        try (Store store = Store.open(root, config)) {
            long t0 = System.nanoTime();
            int[] runs = {0};
            ConflictException e = assertThrows(ConflictException.class, () -> store.run(tx -> {
                runs[0]++;
                tx.read("hot");
                Files.writeString(root.resolve("hot"), String.valueOf(runs[0])); // someone else changes it every time
                tx.write("hot", b("mine"));
                return null;
            }));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 1000, "gave up after " + ms + " ms, before its deadline");
            assertTrue(runs[0] > 20, "the deadline decides, not the old cap of 20 attempts: " + runs[0]);
            assertTrue(e.getSuppressed().length == 1 && e.getSuppressed()[0].getMessage().contains("gave up after " + runs[0] + " attempts"),
                    "the conflict says how long it tried");
            StoreMetrics m = store.metrics();
            assertEquals(1, m.runGaveUp());
            assertEquals(runs[0], m.attempts());
            assertTrue(m.runWaitNanos() > 0, "backoff waits are reported");
        }
    }
}
