package io.txring.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;

/** A spool on a read-only volume: the server refuses to start with a clear error and a non-zero exit. */
@ExtendWith(DockerEngine.class)
class ReadOnlyVolumeIT {
    private static final String MESSAGE = "printf 'Subject: before\\n\\nwritten while the volume was writable\\n'";

    @Test
    void lmtpAndDeliverExitWithEx_CantCreat(MailSpoolImage image) throws Exception {
        try (DockerVolume volume = DockerVolume.create()) {
            try (GenericContainer<?> writer = SpoolContainers.withVolume(SpoolContainers.create(image, "exec sleep infinity"), volume, false)) {
                writer.start();
                Container.ExecResult r = SpoolContainers.sh(writer, MESSAGE + " | mailspool deliver --root " + SpoolContainers.SPOOL + " --to alice");
                assertEquals(0, r.getExitCode(), r.getStderr());
            }
            try (GenericContainer<?> reader = SpoolContainers.withVolume(SpoolContainers.create(image, "exec sleep infinity"), volume, true)) {
                reader.start();
                // timeout: a server that started anyway would otherwise serve until the test's own timeout.
                Container.ExecResult lmtp = SpoolContainers.sh(reader, "timeout 60 mailspool lmtp --root " + SpoolContainers.SPOOL
                        + " --listen " + SpoolContainers.LISTEN);
                String lmtpSaid = lmtp.getStdout() + lmtp.getStderr();
                assertEquals(73, lmtp.getExitCode(), "lmtp on a read-only spool exits EX_CANTCREAT:\n" + lmtpSaid);
                assertTrue(lmtpSaid.contains("Read-only file system") || lmtpSaid.contains("EROFS"), "the error names the cause:\n" + lmtpSaid);
                assertTrue(lmtpSaid.contains(SpoolContainers.SPOOL), "the error names the spool:\n" + lmtpSaid);

                Container.ExecResult deliver = SpoolContainers.sh(reader, MESSAGE + " | mailspool deliver --root " + SpoolContainers.SPOOL + " --to bob");
                assertEquals(75, deliver.getExitCode(), "deliver on a read-only spool exits EX_TEMPFAIL (the MTA defers): " + deliver.getStderr());
                Container.ExecResult kept = SpoolContainers.sh(reader, "cat " + SpoolContainers.SPOOL + "/alice/new/*");
                assertTrue(kept.getStdout().contains("written while the volume was writable"), "the earlier message is intact: " + kept);
                System.out.printf("read-only volume: lmtp exit %d: %s; deliver exit %d%n", lmtp.getExitCode(),
                        lmtpSaid.lines().filter(l -> l.contains("Read-only") || l.contains("EROFS")).findFirst().orElse(""), deliver.getExitCode());
            }
        }
    }
}
