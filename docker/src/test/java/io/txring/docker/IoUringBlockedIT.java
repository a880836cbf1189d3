package io.txring.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;

/**
 * io_uring blocked by seccomp (docker/seccomp-no-io_uring.json: EPERM, as Docker ≥ 25 and
 * containerd do): the server picks the blocking fallback, says so with the EPERM cause at
 * startup, and delivers correctly.
 */
@ExtendWith(DockerEngine.class)
class IoUringBlockedIT {
    static final int MESSAGES = 200;

    @Test
    void fallsBackSaysWhyAndDelivers(MailSpoolImage image) throws Exception {
        String profile = Files.readString(MailSpoolImage.DOCKER_DIR.resolve("seccomp-no-io_uring.json"));
        try (GenericContainer<?> c = SpoolContainers.lmtp(image, SpoolContainers.LMTP)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withSecurityOpts(List.of("seccomp=" + profile)))) {
            c.start();
            String logs = c.getLogs();
            assertTrue(logs.contains("io_uring unavailable, using the blocking backend: io_uring_setup: EPERM"), logs);
            assertTrue(logs.contains("blocked by a seccomp profile"), logs); // the host allows io_uring: the cause named is the profile
            assertTrue(logs.contains("listening on " + SpoolContainers.LISTEN) && logs.contains("blocking fallback (io_uring_setup: EPERM"), logs);

            SpoolContainers.Deliveries d = SpoolContainers.deliver(c, "--acks /tmp/acks/seccomp.log --prefix s --sessions 4 --messages " + MESSAGES);
            assertEquals(MESSAGES, d.acked(), d.output());
            assertEquals(0, d.tempfail() + d.other() + d.errors(), d.output());
            SpoolContainers.Audit audit = SpoolContainers.audit(c, "/tmp/acks");
            assertEquals(0, audit.problems(), audit.output());
            assertEquals(MESSAGES, audit.verified(), audit.output());
            assertEquals(MESSAGES, audit.messages(), audit.output());
            String startup = logs.lines().filter(l -> l.contains("EPERM")).findFirst().orElseThrow();
            System.out.printf("seccomp: %d messages delivered and verified on the fallback; startup said: %s%n", audit.verified(), startup);
        }
    }
}
