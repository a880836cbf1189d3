package io.txring.mailspool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.core.RingConfig;
import io.txring.txn.Durability;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mailboxes and messages are the spool owner's alone by default; --group-shared opens them to the group, read-only. */
class SpoolPermissionsTest {
    @TempDir Path root;

    private String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private Path deliverOne(boolean groupShared) throws Exception {
        try (DeliveryAgent agent = DeliveryAgent.open(root, DeliveryAgent.storeConfig(Durability.DURABLE, RingConfig.defaults(), groupShared))) {
            List<String> paths = agent.deliver(List.of(new Recipient("ann")), new ByteArrayInputStream("Subject: x\n\nhi\n".getBytes(UTF_8)));
            return root.resolve(paths.getFirst());
        }
    }

    @Test
    void privateByDefault() throws Exception {
        Path message = deliverOne(false);
        assertEquals("rw-------", perms(message));
        for (String d : new String[] {"ann", "ann/tmp", "ann/new", "ann/cur", ".txring"}) assertEquals("rwx------", perms(root.resolve(d)), d);
    }

    @Test
    void groupSharedLetsTheGroupRead() throws Exception {
        Path message = deliverOne(true);
        assertEquals("rw-r-----", perms(message));
        for (String d : new String[] {"ann", "ann/tmp", "ann/new", "ann/cur"}) assertEquals("rwxr-x---", perms(root.resolve(d)), d);
        assertEquals("rwx------", perms(root.resolve(".txring")), "the store's own files stay private");
    }
}
