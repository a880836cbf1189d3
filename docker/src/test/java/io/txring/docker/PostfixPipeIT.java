package io.txring.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;

/**
 * Postfix delivers through its {@code pipe(8)} transport to {@code mailspool deliver}, one
 * process per recipient, as user vmail. While the spool's volume is mounted read-only,
 * {@code deliver} exits 75 (EX_TEMPFAIL) and Postfix defers; the operator remounts it
 * writable and restarts Postfix on the same queue volume, and every message is delivered
 * once, as Python's {@code mailbox} reads it.
 */
@ExtendWith(DockerEngine.class)
@UsesMta
class PostfixPipeIT {
    static final List<String> USERS = List.of("alice", "bob", "carol");
    /**
     * The pipe service: ${user} is the recipient's local part; the JVM's home is set because
     * pipe(8) clears the environment; at most 2 processes (each a JVM start, on 2 vCPUs).
     */
    private static final String SERVICE = "spool/unix=spool unix - n n - 2 pipe flags=Rq user=vmail argv=/usr/bin/env JAVA_HOME=/opt/java LANG=C.UTF-8 "
            + "/opt/mailspool/mailspool deliver --quiet --root " + SpoolContainers.SPOOL + " --from ${sender} --to ${user}";
    private static final List<String> SETTINGS = List.of("virtual_transport=spool", "spool_destination_recipient_limit=1");

    @Test
    void postfixDefersWhileTheVolumeIsReadOnlyAndDeliversThroughPipeOnceWritable(MtaImage image) throws Exception {
        // Few messages: each recipient is a JVM start (about a second of CPU).
        List<Postfix.Mail> mails = Postfix.mails("p", 6, USERS, 2, new Random(5));
        try (DockerVolume spool = DockerVolume.create(); DockerVolume queue = DockerVolume.create()) {
            List<Postfix.Attempt> deferred;
            String firstLog; // where the queue ids meet the Message-IDs
            try (GenericContainer<?> readOnly = Postfix.container(image, SETTINGS, List.of(SERVICE), Map.of(),
                    new Bind(spool.name(), new Volume("/data"), AccessMode.ro), new Bind(queue.name(), new Volume(Postfix.QUEUE_DIR)))) {
                readOnly.start();
                Postfix.inject(readOnly, mails);
                deferred = Postfix.awaitAttempts(readOnly, Duration.ofMinutes(3), "deferred for every recipient",
                        attempts -> Postfix.everyRecipient(mails, attempts, "deferred"));
                for (Postfix.Attempt a : deferred) {
                    assertEquals("deferred", a.status(), "nothing is delivered or bounced while the volume is read-only: " + a);
                }
                assertTrue(deferred.stream().anyMatch(a -> a.reason().contains("Read-only file system")),
                        "deliver's error reaches Postfix's log: " + deferred.getFirst());
                // The operator's fix: stop Postfix (SIGTERM; its queue stays on the volume) and remount writable.
                readOnly.getDockerClient().stopContainerCmd(readOnly.getContainerId()).withTimeout(30).exec();
                firstLog = readOnly.getLogs();
            }
            try (GenericContainer<?> writable = Postfix.container(image, SETTINGS, List.of(SERVICE), Map.of(),
                    new Bind(spool.name(), new Volume("/data"), AccessMode.rw), new Bind(queue.name(), new Volume(Postfix.QUEUE_DIR)))) {
                writable.start();
                Postfix.awaitEmptyQueue(writable, Duration.ofMinutes(4));
                Postfix.assertAllSent(() -> firstLog + writable.getLogs(), mails);
                Postfix.assertExactly(Postfix.expected(mails, r -> true), Postfix.readWithPython(writable));
                System.out.printf("postfix pipe: %d attempts deferred on a read-only volume (%s); after the remount all %d messages sent, read once each%n",
                        deferred.size(), deferred.getFirst().reason(), mails.size());
            }
        }
    }
}
