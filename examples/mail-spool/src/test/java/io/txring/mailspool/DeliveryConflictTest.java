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
 * Someone else creates the name a delivery publishes under: a message handed over whole is
 * retried from the caller's memory under a fresh name (no copy of it is kept); one that was
 * streamed fails with the conflict and publishes nothing.
 */
class DeliveryConflictTest {
    @TempDir Path root;

    private static final List<Recipient> TO = List.of(new Recipient("ann"), new Recipient("ben"));

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void aWholeMessageIsRetriedUnderAFreshName() throws Exception {
        byte[] message = "Subject: whole\n\nretried\n".getBytes(US_ASCII);
        try (DeliveryAgent agent = DeliveryAgent.open(root); Delivery d = agent.begin(TO)) {
            Path intruder = root.resolve(d.streamPath());
            Files.writeString(intruder, "someone else's");
            List<String> paths = d.commit(MemorySegment.ofArray(message));
            assertEquals(2, paths.size());
            for (String p : paths) assertArrayEquals(message, Files.readAllBytes(root.resolve(p)), p);
            assertEquals("someone else's", Files.readString(intruder), "the other file is untouched");
            assertEquals(2, files(root.resolve("ann/new")).size(), "ours and the intruder's");
            assertEquals(1, files(root.resolve("ben/new")).size());
        }
    }

    @Test
    void aStreamedMessageFailsWithTheConflict() throws Exception {
        try (DeliveryAgent agent = DeliveryAgent.open(root)) {
            try (Delivery d = agent.begin(TO)) {
                d.append(MemorySegment.ofArray("Subject: streamed\n\n".getBytes(US_ASCII)));
                Files.writeString(root.resolve(d.streamPath()), "someone else's");
                assertThrows(ConflictException.class, () -> d.commit(MemorySegment.ofArray("the rest\n".getBytes(US_ASCII))));
            }
            assertEquals(1, files(root.resolve("ann/new")).size(), "only the intruder's");
            assertEquals(List.of(), files(root.resolve("ben/new")));
            assertEquals(List.of(), files(root.resolve("ann/tmp")), "the aborted shadow is gone");
        }
    }
}
