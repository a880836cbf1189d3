package io.txring.mailspool;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.txn.ConflictException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Someone else creates the name a delivery publishes under, after the delivery chose it and
 * before it commits: a message handed over whole is retried from the caller's memory under a
 * fresh name (no copy of it is kept); one that was streamed fails with the conflict and
 * publishes nothing.
 */
class DeliveryConflictTest {
    @TempDir Path root;

    private static final List<Recipient> TO = List.of(new Recipient("ann"), new Recipient("ben"));

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** Someone else's file at {@code p}, made from inside the delivery's hook (which cannot throw checked exceptions). */
    private static Path intrude(Path p) {
        try {
            return Files.writeString(p, "someone else's");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aWholeMessageIsRetriedUnderAFreshName() throws Exception {
        byte[] message = "Subject: whole\n\nretried\n".getBytes(US_ASCII);
        try (DeliveryAgent agent = DeliveryAgent.open(root); Delivery d = agent.begin(TO)) {
            Path ann = root.resolve("ann/new");
            List<Path> intruders = new java.util.ArrayList<>();
            d.beforeCommit = chosen -> { // the first attempt's name only: the retry's is left alone
                if (!intruders.isEmpty()) return;
                try (Stream<Path> s = Files.list(ann)) {
                    assertEquals(List.of(), s.toList(), "nothing is published before the commit");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                intruders.add(intrude(root.resolve(chosen.getFirst())));
            };
            List<String> paths = d.commit(MemorySegment.ofArray(message));
            assertEquals(1, intruders.size());
            Path intruder = intruders.getFirst();
            assertEquals(2, paths.size());
            for (String p : paths) {
                assertArrayEquals(message, Files.readAllBytes(root.resolve(p)), p);
                assertNotEquals(intruder.getFileName().toString(), Path.of(p).getFileName().toString(), "retried under a fresh name");
            }
            assertEquals("someone else's", Files.readString(intruder), "the other file is untouched");
            assertEquals(2, files(root.resolve("ann/new")).size(), "ours and the intruder's");
            assertEquals(1, files(root.resolve("ben/new")).size());
        }
        assertEquals(List.of(), files(root.resolve("ann/tmp")), "the first attempt's shadow is gone");
    }

    @Test
    void aStreamedMessageFailsWithTheConflict() throws Exception {
        try (DeliveryAgent agent = DeliveryAgent.open(root)) {
            try (Delivery d = agent.begin(TO)) {
                d.append(MemorySegment.ofArray("Subject: streamed\n\n".getBytes(US_ASCII)));
                d.beforeCommit = chosen -> intrude(root.resolve(chosen.getFirst()));
                assertThrows(ConflictException.class, () -> d.commit(MemorySegment.ofArray("the rest\n".getBytes(US_ASCII))));
            }
            assertEquals(1, files(root.resolve("ann/new")).size(), "only the intruder's");
            assertEquals(List.of(), files(root.resolve("ben/new")));
            assertEquals(List.of(), files(root.resolve("ann/tmp")), "the aborted shadow is gone");
        }
    }
}
