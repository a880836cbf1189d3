package io.txring.mailspool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mail reader (Dovecot-style) moves messages new/ → cur/ while the spool recovers and
 * sweeps: recovery neither fails nor touches what the reader moves, and each message ends
 * up exactly once.
 */
class ReaderMovesDuringRecoveryTest {
    @TempDir Path root;

    @Test
    void newToCurMovesDuringRecoveryLoseNothingAndFailNothing() throws Exception {
        int messages = 200;
        try (DeliveryAgent agent = DeliveryAgent.open(root)) {
            for (int i = 0; i < messages; i++) {
                agent.deliver(List.of(new Recipient("ann")), new ByteArrayInputStream(("Subject: " + i + "\n\nbody\n").getBytes(UTF_8)));
            }
        }
        // Leftovers a crash would leave in tmp/: the sweep's work.
        for (int i = 0; i < 50; i++) Files.writeString(root.resolve("ann/tmp/.txr-7-dead-" + i + "-0"), "partial");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger moved = new AtomicInteger();
        Thread reader = Thread.ofPlatform().start(() -> { // what Dovecot does when a client looks at new mail
            while (!stop.get()) {
                try (Stream<Path> s = Files.list(root.resolve("ann/new"))) {
                    for (Path p : s.toList()) {
                        try {
                            Files.move(p, root.resolve("ann/cur").resolve(p.getFileName() + ":2,S"));
                            moved.incrementAndGet();
                        } catch (java.io.IOException gone) {
                            // raced with ourselves: fine
                        }
                    }
                } catch (java.io.IOException e) {
                    // directory busy: try again
                }
                if (moved.get() >= messages) return;
            }
        });
        try {
            for (int round = 0; round < 20; round++) {
                try (DeliveryAgent agent = DeliveryAgent.open(root)) { // a lone open each time: replay and sweep
                    assertNotNull(agent.store().recoverySummary());
                }
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        try (Stream<Path> n = Files.list(root.resolve("ann/new")); Stream<Path> c = Files.list(root.resolve("ann/cur"));
             Stream<Path> t = Files.list(root.resolve("ann/tmp"))) {
            assertEquals(messages, n.count() + c.count(), "every message exactly once, in new/ or cur/");
            assertEquals(0, t.count(), "the crash's leftovers were swept");
        }
    }
}
