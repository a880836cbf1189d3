package io.txring.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;

/**
 * Mailboxes sharded across two {@code mailspool lmtp} nodes, each with its own volume, and
 * Postfix routing each recipient to its node by a {@code transport_maps} entry (docs/SCALING.md):
 * every message lands on exactly its recipients' nodes; with one node down only its
 * recipients' mail is deferred, and it is delivered when the node is back.
 */
@ExtendWith(DockerEngine.class)
@UsesMta
class PostfixShardingIT {
    static final int NODE_A = 2424, NODE_B = 2425;
    static final List<String> ON_A = List.of("alice", "carol"), ON_B = List.of("bob", "dave");
    static final List<String> USERS = List.of("alice", "bob", "carol", "dave");
    /** The map, one line per user; Postfix reads texthash: files as they are (no postmap). */
    private static final String TRANSPORT = """
            alice@example.test  lmtp:inet:127.0.0.1:2424
            carol@example.test  lmtp:inet:127.0.0.1:2424
            bob@example.test    lmtp:inet:127.0.0.1:2425
            dave@example.test   lmtp:inet:127.0.0.1:2425
            """;
    private static final List<String> SETTINGS = List.of(
            "transport_maps=texthash:/etc/postfix/transport",
            // A recipient the map does not name is refused loudly, never sent to a guessed node.
            "virtual_transport=error:5.1.1 no mail-spool node for this recipient");

    @Test
    void eachRecipientsMailLandsOnItsNodeAndALostNodeDefersOnlyItsRecipients(MtaImage image) throws Exception {
        Random random = new Random(6);
        List<Postfix.Mail> first = Postfix.mails("s", 40, USERS, 3, random);
        List<Postfix.Mail> whileBDown = Postfix.mails("d", 20, USERS, 3, random);
        List<Postfix.Mail> all = new ArrayList<>(first);
        all.addAll(whileBDown);
        try (DockerVolume volumeA = DockerVolume.create(); DockerVolume volumeB = DockerVolume.create();
             GenericContainer<?> mta = Postfix.container(image, SETTINGS, List.of(), Map.of("/etc/postfix/transport", TRANSPORT))) {
            mta.start();
            try (GenericContainer<?> a = Postfix.spool(image, mta, NODE_A, volumeA)) {
                a.start();
                try (GenericContainer<?> b = Postfix.spool(image, mta, NODE_B, volumeB)) {
                    b.start();
                    Postfix.inject(mta, first);
                    Postfix.awaitEmptyQueue(mta, Duration.ofMinutes(2));
                    Postfix.assertAllSent(mta, first);
                    for (Postfix.Attempt t : Postfix.attempts(mta)) {
                        int node = ON_A.contains(t.recipient()) ? NODE_A : NODE_B;
                        assertTrue(t.relay().endsWith(":" + node), "the transport map routed " + t.recipient() + " to node " + node + ": " + t);
                    }
                    Postfix.assertExactly(Postfix.expected(first, ON_A::contains), Postfix.readWithPython(a));
                    Postfix.assertExactly(Postfix.expected(first, ON_B::contains), Postfix.readWithPython(b));

                    // Node B is lost (SIGKILL: its volume stays).
                    b.getDockerClient().killContainerCmd(b.getContainerId()).withSignal("SIGKILL").exec();
                    assertEquals(137, b.getDockerClient().waitContainerCmd(b.getContainerId()).start().awaitStatusCode(1, TimeUnit.MINUTES));
                }
                int before = Postfix.attempts(mta).size();
                Postfix.inject(mta, whileBDown);
                // Node A's recipients are delivered; each of node B's is deferred at least once.
                List<Postfix.Attempt> attempts = Postfix.awaitAttempts(mta, Duration.ofMinutes(2), "A's recipients sent and B's deferred", log -> {
                    List<Postfix.Attempt> now = log.subList(before, log.size());
                    return whileBDown.stream().allMatch(m -> m.to().stream().allMatch(r -> now.stream().anyMatch(t ->
                            m.id().equals(t.mailId()) && r.equals(t.recipient()) && t.status().equals(ON_A.contains(r) ? "sent" : "deferred"))));
                });
                List<Postfix.Attempt> outage = attempts.subList(before, attempts.size());
                for (Postfix.Attempt t : outage) {
                    if (ON_B.contains(t.recipient())) assertEquals("deferred", t.status(), "node B's mail waits for node B: " + t);
                    else assertEquals("sent", t.status(), "node A's mail is not held up by node B: " + t);
                }
                // Precondition of the test data (seeded): without mail for node B the outage would prove nothing.
                assertTrue(whileBDown.stream().anyMatch(m -> m.to().stream().anyMatch(ON_B::contains)), "the outage's messages include some for node B");
                assertFalse(Postfix.queue(mta).contains("Mail queue is empty"), "Postfix keeps node B's mail");
                long deferredForB = outage.stream().filter(t -> t.status().equals("deferred")).count();

                // Node B is back on its volume.
                try (GenericContainer<?> b = Postfix.spool(image, mta, NODE_B, volumeB)) {
                    b.start();
                    Postfix.awaitEmptyQueue(mta, Duration.ofMinutes(2));
                    Postfix.assertAllSent(mta, all);
                    Postfix.assertExactly(Postfix.expected(all, ON_A::contains), Postfix.readWithPython(a));
                    Postfix.assertExactly(Postfix.expected(all, ON_B::contains), Postfix.readWithPython(b));
                    System.out.printf("postfix sharding: %d messages over 2 nodes by transport_maps, each on exactly its recipients' nodes; "
                            + "node B down: %d attempts for its recipients deferred, node A's delivered; after B's restart all sent%n",
                            all.size(), deferredForB);
                }
            }
        }
    }
}
