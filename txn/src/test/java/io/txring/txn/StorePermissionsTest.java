package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's own files are its owner's alone; replacements never carry setuid, setgid or sticky bits. */
class StorePermissionsTest {
    @TempDir Path root;

    private String perms(String rel) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(rel), LinkOption.NOFOLLOW_LINKS));
    }

    private int mode(String rel) throws Exception {
        return (Integer) Files.getAttribute(root.resolve(rel), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void metadataIsPrivateEvenWhenAnOlderVersionMadeItWider() throws Exception {
        Files.createDirectories(root.resolve(".txring/journal"));
        Files.setPosixFilePermissions(root.resolve(".txring"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve(".txring/journal"), PosixFilePermissions.fromString("rwxrwxrwx"));
        try (Store s = Store.open(root)) {
            assertEquals("rwx------", perms(".txring"));
            assertEquals("rwx------", perms(".txring/journal"));
            assertEquals("rw-------", perms(".txring/lock"));
            assertEquals("rw-------", perms(".txring/marks"));
        }
    }

    @Test
    void aReplacementKeepsTheRwxBitsButNeverSetuidSetgidOrSticky() throws Exception {
        Files.writeString(root.resolve("tool"), "v1");
        int setuid = (Integer) Files.getAttribute(root.resolve("tool"), "unix:mode") | 06755 | 01000;
        Files.setAttribute(root.resolve("tool"), "unix:mode", setuid);
        assertEquals(07755, mode("tool"), "the test's starting point");
        try (Store s = Store.open(root)) {
            s.run(tx -> {
                tx.write("tool", "v2".getBytes(UTF_8));
                return null;
            });
        }
        assertEquals("v2", Files.readString(root.resolve("tool")));
        assertEquals(0755, mode("tool"), "rwx kept, setuid/setgid/sticky dropped");
    }

    @Test
    void directoriesGetTheConfiguredMode() throws Exception {
        try (Store s = Store.open(root, StoreConfig.defaults().withDirectoryMode(0700))) {
            s.createDirectories("box/new");
        }
        assertEquals("rwx------", perms("box"));
        assertEquals("rwx------", perms("box/new"));
        assertThrows(IllegalArgumentException.class, () -> StoreConfig.defaults().withFileMode(04755).fileMode());
    }
}
