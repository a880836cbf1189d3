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

    /** {@code UmaskChild ROOT}: opens the store and commits a file, under whatever umask it was started with. */
    public static final class UmaskChild {
        public static void main(String[] args) throws Exception {
            try (Store s = Store.open(Path.of(args[0]), StoreConfig.defaults().withFileMode(0640).withDirectoryMode(0750))) {
                s.createDirectories("box");
                s.run(tx -> {
                    tx.write("box/f", "x".getBytes(UTF_8));
                    return null;
                });
            }
        }
    }

    @Test
    void umaskZeroWidensNothing() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder("sh", "-c", "umask 000; exec \"$0\" --enable-native-access=ALL-UNNAMED -cp \"$1\" \"$2\" \"$3\"",
                java, System.getProperty("java.class.path"), UmaskChild.class.getName(), root.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("rwx------", perms(".txring"));
        assertEquals("rwx------", perms(".txring/journal"));
        assertEquals("rw-------", perms(".txring/lock"));
        assertEquals("rw-------", perms(".txring/marks"));
        assertEquals("rw-------", perms(".txring/shadow-dirs"));
        assertEquals("rwxr-x---", perms("box"), "exactly the configured directory mode");
        assertEquals("rw-r-----", perms("box/f"), "exactly the configured file mode");
    }

    @Test
    void anotherUserCannotReachTheLockFile() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs root to run a probe as another user");
        try (Store s = Store.open(root)) {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x")); // the root itself may be public
            // As nobody: try to open .txring/lock and take a shared OFD lock on it (what would block every commit).
            String probe = "import fcntl, os, struct, sys\n"
                    + "os.listdir(os.path.dirname(os.path.dirname(sys.argv[1])))\n" // the store root itself is reachable
                    + "try:\n"
                    + "    fd = os.open(sys.argv[1], os.O_RDONLY)\n"
                    + "except OSError as e:\n"
                    + "    print('refused', e.errno); sys.exit(0)\n"
                    + "fcntl.fcntl(fd, 37, struct.pack('hhqqi', fcntl.F_RDLCK, 0, 0, 1, 0))\n"
                    + "print('LOCKED'); sys.exit(1)\n";
            Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/usr/bin/python3", "-c", probe, root.resolve(".txring/lock").toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), UTF_8).strip();
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.startsWith("refused 13"), "another user gets EACCES: " + out);
            s.run(tx -> {
                tx.write("still-works", "x".getBytes(UTF_8));
                return null;
            });
        }
    }
}
