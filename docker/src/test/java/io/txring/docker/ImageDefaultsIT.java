package io.txring.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The image as an operator runs it, with nothing overridden: its default command serves LMTP on
 * the volume as the unprivileged user vmail, its health check (an LMTP NOOP) reports healthy,
 * a delivery over LMTP lands, and {@code docker stop} (SIGTERM) ends it cleanly.
 */
@ExtendWith(DockerEngine.class)
class ImageDefaultsIT {
    /** One LMTP session with bash's /dev/tcp: each reply's last line, then QUIT. */
    private static final String LMTP_SESSION = """
            exec 3<>/dev/tcp/127.0.0.1/2424
            last() { while read -r -t 20 line <&3; do case "$line" in [0-9][0-9][0-9]-*) ;; *) echo "$line"; return;; esac; done; }
            last
            printf 'LHLO test\\r\\n' >&3; last
            printf 'MAIL FROM:<mta@example.org>\\r\\n' >&3; last
            printf 'RCPT TO:<alice@example.org>\\r\\n' >&3; last
            printf 'DATA\\r\\n' >&3; last
            printf 'Subject: default image\\r\\n\\r\\ndelivered to the image as it ships\\r\\n.\\r\\n' >&3; last
            printf 'QUIT\\r\\n' >&3; last
            """;

    @Test
    void theDefaultCommandServesLmtpAsVmailHealthyAndStopsOnSigterm(MailSpoolImage image) throws Exception {
        try (DockerVolume volume = DockerVolume.create();
             GenericContainer<?> c = SpoolContainers.withVolume(new GenericContainer<>(DockerImageName.parse(image.name()))
                     .withImagePullPolicy(name -> false)
                     .withNetworkMode("none")
                     .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(2))), volume, false)) {
            c.start(); // returns once Docker reports the container healthy: the NOOP was answered
            assertEquals("vmail", SpoolContainers.sh(c, "id -un").getStdout().strip(), "the server's user");
            assertTrue(SpoolContainers.sh(c, "ps -o user= -p 1 2>/dev/null || stat -c %U /proc/1").getStdout().contains("vmail"),
                    "PID 1, the server, runs as vmail");
            assertEquals("vmail", SpoolContainers.sh(c, "stat -c %U /data/spool").getStdout().strip(), "the spool on the volume is vmail's");

            Container.ExecResult session = c.execInContainer("bash", "-c", LMTP_SESSION);
            String[] replies = session.getStdout().strip().split("\n");
            assertEquals(7, replies.length, session.getStdout() + session.getStderr());
            assertTrue(replies[5].startsWith("250 "), "the delivery's reply: " + session.getStdout());
            Container.ExecResult box = SpoolContainers.sh(c, "cat /data/spool/alice/new/*");
            assertTrue(box.getStdout().contains("delivered to the image as it ships"), box.toString());

            String id = c.getContainerId();
            var docker = c.getDockerClient();
            long t0 = System.nanoTime();
            docker.stopContainerCmd(id).withTimeout(40).exec(); // SIGTERM (the image's STOPSIGNAL), SIGKILL after 40 s
            long stopMillis = (System.nanoTime() - t0) / 1_000_000;
            var state = docker.inspectContainerCmd(id).exec().getState();
            String logs = c.getLogs();
            assertTrue(logs.contains("mailspool lmtp: stopped; deliveries in flight finished, store closed"), "a graceful stop:\n" + logs);
            assertEquals(143L, state.getExitCodeLong(), "it ended on SIGTERM (128 + 15), not on the SIGKILL 40 s later (137)");
            System.out.printf("image defaults: served LMTP as vmail, healthy, delivery %s, stopped on SIGTERM in %d ms (exit %d)%n",
                    replies[5].strip(), stopMillis, state.getExitCodeLong());
        }
    }
}
