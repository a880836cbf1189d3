package io.txring.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;

/**
 * Crash loop: the LMTP server runs on a volume while a client delivers multi-recipient
 * messages from several sessions; the container is SIGKILLed at a random moment, then
 * restarted on the same volume (fsck, then the server's own recovery), {@value #KILLS} times.
 * After every restart the audit must find every acknowledged message complete in every
 * recipient's mailbox, every message in all its recipients or none, and no shadow or tmp/ file.
 */
@ExtendWith(DockerEngine.class)
class CrashLoopIT {
    static final int KILLS = 20;
    private static final String ACKS = "/data/acks";
    /** fsck on restart (the spool exists from the second start on), then the server. */
    private static final String FSCK_THEN_LMTP = "if [ -d " + SpoolContainers.SPOOL + " ]; then mailspool fsck --root "
            + SpoolContainers.SPOOL + " || exit 1; fi; " + SpoolContainers.LMTP;

    @Test
    void sigkillAtRandomMomentsLosesNoAcknowledgedMessage(MailSpoolImage image) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int kills = 0;
        SpoolContainers.Audit last = null;
        long t0 = System.nanoTime();
        try (DockerVolume volume = DockerVolume.create()) {
            for (int run = 0; ; run++) {
                try (GenericContainer<?> c = SpoolContainers.withVolume(SpoolContainers.lmtp(image, FSCK_THEN_LMTP), volume, false)) {
                    c.start();
                    if (run > 0) {
                        String logs = c.getLogs();
                        assertTrue(logs.contains(", 0 damaged"), "fsck after kill " + run + " found damage:\n" + logs);
                    }
                    SpoolContainers.Audit audit = SpoolContainers.audit(c, ACKS);
                    assertEquals(0, audit.problems(), "after kill " + run + " (seed " + seed + "):\n" + audit.output());
                    assertEquals(0, audit.exitCode(), audit.output());
                    assertEquals(audit.acked(), audit.verified(), audit.output());
                    if (last != null) assertTrue(audit.acked() >= last.acked(), "acknowledged messages never disappear");
                    last = audit;
                    if (run == KILLS) break;

                    SpoolContainers.shDetached(c, "probe DeliveryClient --acks " + ACKS + "/run-" + run + ".log --prefix r" + run
                            + " --sessions 4 --seconds 60 > /tmp/client.out 2>&1");
                    // A random moment once the client (a JVM starting, then four sessions) is delivering.
                    Thread.sleep(1_200 + random.nextInt(2_500));
                    c.getDockerClient().killContainerCmd(c.getContainerId()).withSignal("SIGKILL").exec();
                    Integer status = c.getDockerClient().waitContainerCmd(c.getContainerId()).start().awaitStatusCode(60, TimeUnit.SECONDS);
                    assertEquals(137, status, "the container died of SIGKILL");
                    kills++;
                }
            }
        }
        assertEquals(KILLS, kills);
        // Deliveries were under way when the kills came: on average at least one acknowledged message per run.
        assertTrue(last.acked() >= KILLS, "too few deliveries to prove anything: " + last.output());
        System.out.printf("crash loop: %d SIGKILLs, %d acknowledged messages verified in every recipient mailbox "
                        + "(%d more delivered whole but unacknowledged, %d distinct messages), %.0f s, seed %d%n",
                kills, last.verified(), last.unackedDelivered(), last.messages(), (System.nanoTime() - t0) / 1e9, seed);
    }
}
