package io.txring.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import com.github.dockerjava.api.DockerClient;

/**
 * Postfix delivers to {@code mailspool lmtp} over LMTP ({@code virtual_transport =
 * lmtp:inet:127.0.0.1:2424}): every message lands once in each recipient's Maildir as
 * Python's {@code mailbox} reads it; Postfix defers (never bounces) while the spool is full
 * or cannot start on a read-only volume, and delivers once that is fixed; a spool SIGKILLed
 * during a burst loses nothing once it is back, with duplicates only for the deliveries in
 * flight at the kill (their outcome was unknown to Postfix).
 */
@ExtendWith(DockerEngine.class)
@UsesMta
class PostfixLmtpIT {
    static final int PORT = 2424;
    static final List<String> USERS = List.of("alice", "bob", "carol", "dave");
    /** LMTP sessions Postfix opens to the spool at once: bounds the deliveries in flight at a kill. */
    static final int CONCURRENCY = 4, MAX_RECIPIENTS = 3;
    private static final List<String> SETTINGS = List.of(
            "virtual_transport=" + Postfix.lmtp(PORT), "lmtp_destination_concurrency_limit=" + CONCURRENCY);

    @Test
    void postfixDeliversEveryMessageAndPythonReadsThem(MtaImage image) throws Exception {
        List<Postfix.Mail> mails = Postfix.mails("m", 60, USERS, MAX_RECIPIENTS, new Random(1));
        try (DockerVolume volume = DockerVolume.create();
             GenericContainer<?> mta = Postfix.container(image, SETTINGS, List.of(), Map.of())) {
            mta.start();
            try (GenericContainer<?> spool = Postfix.spool(image, mta, PORT, volume)) {
                spool.start();
                Postfix.inject(mta, mails);
                Postfix.awaitEmptyQueue(mta, Duration.ofMinutes(2));
                Postfix.assertAllSent(mta, mails);
                assertTrue(Postfix.attempts(mta).stream().allMatch(a -> a.status().equals("sent")), "no delivery was deferred on a calm day");
                Postfix.assertExactly(Postfix.expected(mails, r -> true), Postfix.readWithPython(spool));
                long sent = Postfix.attempts(mta).stream().filter(a -> a.status().equals("sent")).count();
                System.out.printf("postfix lmtp: %d messages, %d recipients status=sent, Python read each once%n", mails.size(), sent);
            }
        }
    }

    @Test
    void postfixDefersWhileTheSpoolIsFullAndDeliversOnceThereIsRoom(MtaImage image) throws Exception {
        List<Postfix.Mail> mails = Postfix.mails("full", 8, USERS, MAX_RECIPIENTS, new Random(2));
        try (GenericContainer<?> mta = Postfix.container(image, SETTINGS, List.of(), Map.of())) {
            mta.start();
            try (GenericContainer<?> spool = SpoolContainers.lmtp(image.image(),
                            Postfix.lmtpCommand(PORT))
                    .withNetworkMode("container:" + mta.getContainerId())
                    .withTmpFs(Map.of("/data", "rw,size=1536k,mode=0750,uid=5000,gid=5000"))) {
                spool.start();
                // Fill the spool's filesystem to the last block (head stops at ENOSPC).
                SpoolContainers.sh(spool, "head -c 4194304 /dev/zero > /data/ballast");
                Postfix.inject(mta, mails);
                List<Postfix.Attempt> deferred = Postfix.awaitAttempts(mta, Duration.ofMinutes(2), "deferred for every recipient",
                        attempts -> Postfix.everyRecipient(mails, attempts, "deferred"));
                for (Postfix.Attempt a : deferred) {
                    assertEquals("deferred", a.status(), "nothing is delivered or bounced while the disk is full: " + a);
                    assertTrue(a.reason().contains("452 4.3.1") && a.reason().contains("insufficient system storage"),
                            "a full spool answers 452 4.3.1 insufficient system storage: " + a);
                }
                assertFalse(Postfix.queue(mta).contains("Mail queue is empty"), "Postfix keeps the mail");

                assertEquals(0, SpoolContainers.sh(spool, "rm /data/ballast").getExitCode());
                Postfix.awaitEmptyQueue(mta, Duration.ofMinutes(2));
                Postfix.assertAllSent(mta, mails);
                Postfix.assertExactly(Postfix.expected(mails, r -> true), Postfix.readWithPython(spool));
                System.out.printf("postfix lmtp, full spool: %d attempts deferred with 452 4.3.1, then all %d messages sent once there was room%n",
                        deferred.size(), mails.size());
            }
        }
    }

    @Test
    void postfixDefersWhileTheSpoolVolumeIsReadOnlyAndDeliversOnceItIsWritable(MtaImage image) throws Exception {
        List<Postfix.Mail> mails = Postfix.mails("ro", 8, USERS, MAX_RECIPIENTS, new Random(3));
        try (DockerVolume volume = DockerVolume.create();
             GenericContainer<?> mta = Postfix.container(image, SETTINGS, List.of(), Map.of())) {
            mta.start();
            // On a read-only volume the server refuses to start (EX_CANTCREAT): nothing listens.
            try (GenericContainer<?> readOnly = SpoolContainers.withVolume(SpoolContainers.create(image.image(),
                            Postfix.lmtpCommand(PORT)), volume, true)
                    .withNetworkMode("container:" + mta.getContainerId())
                    .withStartupCheckStrategy(new ExitedStartupCheck().withTimeout(Duration.ofMinutes(2)))) {
                readOnly.start();
                Long status = readOnly.getDockerClient().inspectContainerCmd(readOnly.getContainerId()).exec().getState().getExitCodeLong();
                assertEquals(73L, status, "lmtp on a read-only volume exits EX_CANTCREAT:\n" + readOnly.getLogs());
            }
            Postfix.inject(mta, mails);
            List<Postfix.Attempt> deferred = Postfix.awaitAttempts(mta, Duration.ofMinutes(2), "deferred for every recipient",
                    attempts -> Postfix.everyRecipient(mails, attempts, "deferred"));
            for (Postfix.Attempt a : deferred) assertEquals("deferred", a.status(), "nothing is delivered or bounced meanwhile: " + a);

            try (GenericContainer<?> spool = Postfix.spool(image, mta, PORT, volume)) {
                spool.start();
                Postfix.awaitEmptyQueue(mta, Duration.ofMinutes(2));
                Postfix.assertAllSent(mta, mails);
                Postfix.assertExactly(Postfix.expected(mails, r -> true), Postfix.readWithPython(spool));
                System.out.printf("postfix lmtp, read-only volume: server exit 73, %d attempts deferred (%s), then all %d messages sent%n",
                        deferred.size(), deferred.getFirst().reason(), mails.size());
            }
        }
    }

    @Test
    void spoolKilledDuringABurstLosesNothingOncePostfixRetries(MtaImage image) throws Exception {
        List<Postfix.Mail> mails = Postfix.mails("k", 600, USERS, MAX_RECIPIENTS, new Random(4));
        int recipients = mails.stream().mapToInt(m -> m.to().size()).sum();
        try (DockerVolume volume = DockerVolume.create();
             GenericContainer<?> mta = Postfix.container(image, SETTINGS, List.of(), Map.of())) {
            mta.start();
            // The whole burst is queued before the spool starts: every LMTP session is busy when the kill comes.
            Postfix.inject(mta, mails);
            long sentAtKill;
            int logAtKill;
            try (GenericContainer<?> first = Postfix.spool(image, mta, PORT, volume)) {
                first.start();
                Postfix.awaitAttempts(mta, Duration.ofMinutes(3), "a sixth delivered",
                        attempts -> attempts.stream().filter(a -> a.status().equals("sent")).count() >= recipients / 6);
                first.getDockerClient().killContainerCmd(first.getContainerId()).withSignal("SIGKILL").exec();
                assertEquals(137, first.getDockerClient().waitContainerCmd(first.getContainerId()).start().awaitStatusCode(1, TimeUnit.MINUTES));
                List<Postfix.Attempt> atKill = Postfix.attempts(mta);
                logAtKill = atKill.size();
                sentAtKill = atKill.stream().filter(a -> a.status().equals("sent")).count();
            }
            assertTrue(sentAtKill < recipients, "the kill came before the burst was delivered");
            // Postfix meets the dead server: the sessions it broke, then refused connections.
            Postfix.awaitAttempts(mta, Duration.ofMinutes(1), "deferred after the kill",
                    attempts -> attempts.subList(logAtKill, attempts.size()).stream().anyMatch(a -> a.status().equals("deferred")));

            try (GenericContainer<?> second = Postfix.spool(image, mta, PORT, volume)) {
                second.start(); // recovers the store first
                long restarted = System.nanoTime();
                Postfix.awaitEmptyQueue(mta, Duration.ofMinutes(5));
                System.out.printf("postfix lmtp: queue empty %.1f s after the restart%n", (System.nanoTime() - restarted) / 1e9);
                Postfix.assertAllSent(mta, mails);
                List<Postfix.Attempt> attempts = Postfix.attempts(mta);
                List<Postfix.Attempt> broken = attempts.stream().filter(a -> a.status().equals("deferred") && outcomeUnknown(a.reason())).toList();

                Map<String, List<String>> read = Postfix.readWithPython(second);
                Map<String, List<String>> expected = Postfix.expected(mails, r -> true);
                assertTrue(expected.keySet().containsAll(read.keySet()), "mailboxes nobody sent to: " + read.keySet());
                int duplicates = 0;
                List<String> problems = new ArrayList<>();
                for (String user : USERS) {
                    Map<String, Integer> copies = new HashMap<>();
                    for (String id : read.getOrDefault(user, List.of())) copies.merge(id, 1, Integer::sum);
                    for (String id : expected.getOrDefault(user, List.of())) {
                        Integer n = copies.remove(id);
                        if (n == null) {
                            problems.add("lost: " + id + " for " + user);
                        } else if (n > 1) {
                            duplicates += n - 1;
                            // Outcome unknown to Postfix: its session broke mid-transaction, then one retry was acknowledged.
                            long sent = attempts.stream().filter(a -> id.equals(a.mailId()) && user.equals(a.recipient()) && a.status().equals("sent")).count();
                            boolean brokenSession = broken.stream().anyMatch(a -> id.equals(a.mailId()) && user.equals(a.recipient()));
                            if (n != 2 || sent != 1 || !brokenSession) {
                                problems.add(n + " copies of " + id + " for " + user + " (sent " + sent + " times; broken session: " + brokenSession + ")");
                            }
                        }
                    }
                    copies.keySet().forEach(id -> problems.add("never sent to " + user + ": " + id));
                }
                assertEquals(List.of(), problems, "every message once in each of its recipients' mailboxes, twice only where the kill broke its session");
                // A duplicate is a delivery the spool committed whose 250 the kill kept from Postfix:
                // at most the recipients of the transactions in flight, one per LMTP session.
                assertTrue(duplicates <= CONCURRENCY * MAX_RECIPIENTS,
                        duplicates + " duplicates; at most " + CONCURRENCY * MAX_RECIPIENTS + " deliveries were in flight");
                System.out.printf("postfix lmtp, spool SIGKILLed mid-burst: %d messages (%d recipient deliveries), %d sent before the kill, "
                                + "%d recipients' sessions broken by it, none lost, %d duplicates (outcome unknown at the kill; bound %d)%n",
                        mails.size(), recipients, sentAtKill, broken.size(), duplicates, CONCURRENCY * MAX_RECIPIENTS);
            }
        }
    }

    /** A deferral after which Postfix cannot know whether the spool committed: the session broke, not the connect. */
    static boolean outcomeUnknown(String reason) {
        return !reason.contains("Connection refused") && !reason.contains("delivery temporarily suspended");
    }

    /** Started means exited here: the container under test is expected to stop by itself. */
    static final class ExitedStartupCheck extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(DockerClient docker, String containerId) {
            return getCurrentState(docker, containerId).getRunning() ? StartupStatus.NOT_YET_KNOWN : StartupStatus.SUCCESSFUL;
        }
    }
}
