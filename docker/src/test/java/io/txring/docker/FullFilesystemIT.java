package io.txring.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;

/**
 * A full filesystem: the spool on a small tmpfs. Deliveries beyond its capacity get
 * temporary failures (452 4.3.1; {@code deliver} exits 75), nothing partial is visible,
 * and deliveries resume once space is freed.
 */
@ExtendWith(DockerEngine.class)
class FullFilesystemIT {
    static final int MESSAGES = 60, SIZE = 32 * 1024, AFTER_FREEING = 10;
    /** 1.5 MiB of tmpfs, a third of it taken by a ballast file: room for about 30 messages of 32 KiB. */
    /** Owned by the image's user (vmail, uid 5000), as an operator would mount it. */
    private static final String TMPFS = "rw,size=1536k,mode=0750,uid=5000,gid=5000";
    private static final String SCRIPT = "head -c 524288 /dev/zero > /data/ballast && " + SpoolContainers.LMTP;

    @Test
    void fullDiskRefusesTemporarilyLeavesNothingPartialAndRecovers(MailSpoolImage image) throws Exception {
        try (GenericContainer<?> c = SpoolContainers.lmtp(image, SCRIPT).withTmpFs(Map.of("/data", TMPFS))) {
            c.start();
            // Ack logs live outside the full filesystem.
            SpoolContainers.Deliveries full = SpoolContainers.deliver(c,
                    "--acks /tmp/acks/full.log --prefix full --sessions 1 --to alice,bob --size " + SIZE + " --messages " + MESSAGES);
            assertEquals(MESSAGES, full.sent(), full.output());
            assertTrue(full.acked() > 0, "some messages fit:\n" + full.output());
            assertTrue(full.tempfail() > 0, "the filesystem filled up:\n" + full.output());
            assertEquals(MESSAGES, full.acked() + full.tempfail(), full.output());
            assertEquals(0, full.other() + full.errors(), full.output());
            full.output().lines().filter(l -> l.startsWith("refused: ")).forEach(l ->
                    assertTrue(l.startsWith("refused: 452 4.3.1"), "a full disk is a temporary failure, 452 4.3.1: " + l));

            Container.ExecResult mda = SpoolContainers.sh(c,
                    "( printf 'Subject: no room\\n\\n'; head -c 65536 /dev/zero | tr '\\000' x ) | mailspool deliver --root "
                            + SpoolContainers.SPOOL + " --to carol");
            assertEquals(75, mda.getExitCode(), "deliver on a full disk exits EX_TEMPFAIL: " + mda.getStdout() + mda.getStderr());

            SpoolContainers.Audit filled = SpoolContainers.audit(c, "/tmp/acks");
            assertEquals(0, filled.problems(), "nothing partial is visible:\n" + filled.output());
            assertEquals(full.acked(), filled.verified(), filled.output());
            assertEquals(full.acked(), filled.messages(), "only acknowledged messages are in the spool:\n" + filled.output());

            assertEquals(0, SpoolContainers.sh(c, "rm /data/ballast").getExitCode());
            SpoolContainers.Deliveries freed = SpoolContainers.deliver(c,
                    "--acks /tmp/acks/freed.log --prefix freed --sessions 1 --to alice,bob --size " + SIZE + " --messages " + AFTER_FREEING);
            assertEquals(AFTER_FREEING, freed.acked(), "deliveries resume once space is freed:\n" + freed.output());
            SpoolContainers.Audit after = SpoolContainers.audit(c, "/tmp/acks");
            assertEquals(0, after.problems(), after.output());
            assertEquals(full.acked() + AFTER_FREEING, after.verified(), after.output());
            System.out.printf("full filesystem: %d delivered, %d refused with 452 4.3.1, deliver exit %d (%s); after freeing %d/%d delivered%n",
                    full.acked(), full.tempfail(), mda.getExitCode(), mda.getStderr().strip(), freed.acked(), AFTER_FREEING);
        }
    }
}
