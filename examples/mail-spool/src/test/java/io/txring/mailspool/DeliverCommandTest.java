package io.txring.mailspool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mailspool deliver}: sysexits codes with a one-line reason, and one inode in every mailbox. */
class DeliverCommandTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    private static Run deliver(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        String[] full = new String[args.length + 1];
        full[0] = "deliver";
        System.arraycopy(args, 0, full, 1, args.length);
        int code = MailSpool.run(new ByteArrayInputStream(stdin.getBytes(UTF_8)), new PrintStream(out, true, UTF_8),
                new PrintStream(err, true, UTF_8), full);
        return new Run(code, out.toString(UTF_8), err.toString(UTF_8));
    }

    @Test
    void oneMessageToThreeMailboxesIsOneInode() throws Exception {
        Path root = dir.resolve("spool");
        String message = "From: a@example.org\nSubject: hi\n\nhello\n";
        Run r = deliver(message, "--root", root.toString(), "--to", "alice,Bob@example.org,carol", "--from", "a@example.org");
        assertEquals(0, r.code(), r.err());
        List<Path> files = r.out().lines().map(Path::of).toList();
        assertEquals(3, files.size(), r.out());
        Object inode = Files.getAttribute(files.get(0), "unix:ino");
        for (Path f : files) {
            assertEquals(message, Files.readString(f));
            assertEquals(inode, Files.getAttribute(f, "unix:ino"), "hard links of one file");
            assertEquals(3, Files.getAttribute(f, "unix:nlink"));
            assertEquals("new", f.getParent().getFileName().toString());
            assertEquals(message.length(), MaildirName.sizeOf(f.getFileName().toString()).orElseThrow());
            String name = f.getFileName().toString();
            assertTrue(name.contains("I" + Long.toHexString((Long) inode) + "Q"), "the name carries the inode: " + name);
        }
        assertEquals(root.resolve("bob/new"), files.get(1).getParent(), "the domain is dropped, the local part folded");
        for (String m : List.of("alice", "bob", "carol")) {
            assertTrue(Files.isDirectory(root.resolve(m + "/tmp")));
            assertTrue(Files.isDirectory(root.resolve(m + "/cur")));
            try (var s = Files.list(root.resolve(m + "/tmp"))) {
                assertEquals(0, s.count(), "nothing left in tmp/");
            }
        }
    }

    @Test
    void exitCodes() throws Exception {
        String root = dir.resolve("spool").toString();
        Run bad = deliver("x\n", "--root", root, "--to", "alice,../etc");
        assertEquals(SysExits.NOUSER, bad.code());
        assertTrue(bad.err().contains("../etc"), bad.err());
        assertEquals(1, bad.err().lines().count(), "one line: " + bad.err());
        assertFalse(Files.exists(dir.resolve("spool/alice")), "nothing delivered when any recipient is invalid");

        assertEquals(SysExits.NOUSER, deliver("x\n", "--root", root, "--to", ".hidden").code());
        assertEquals(SysExits.NOUSER, deliver("x\n", "--root", root, "--to", "a/b").code());
        assertEquals(SysExits.USAGE, deliver("x\n", "--root", root, "--to", ",").code(), "an empty --to");
        assertEquals(SysExits.USAGE, deliver("x\n", "--root", root).code(), "no --to");
        assertEquals(SysExits.USAGE, deliver("x\n", "--to", "a").code(), "no --root");
        assertEquals(SysExits.DATAERR, deliver("", "--root", root, "--to", "alice").code(), "an empty message");
        Run singleIssuer = deliver("x\n", "--root", root, "--to", "alice", "--mode", "SINGLE_ISSUER");
        assertEquals(SysExits.USAGE, singleIssuer.code(), singleIssuer.err());
        assertTrue(singleIssuer.err().contains("SINGLE_ISSUER"), singleIssuer.err());

        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        Run unwritable = deliver("x\n", "--root", file.resolve("spool").toString(), "--to", "alice");
        assertEquals(SysExits.TEMPFAIL, unwritable.code(), "a spool the administrator can fix: the MTA defers, never bounces: " + unwritable.err());
        assertTrue(unwritable.err().startsWith("mailspool deliver: "), unwritable.err());

        // A mailbox directory that is a symlink out of the spool is refused, not followed.
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createDirectories(dir.resolve("spool"));
        Files.createSymbolicLink(dir.resolve("spool/mallory"), outside);
        Run planted = deliver("x\n", "--root", root, "--to", "mallory");
        assertEquals(SysExits.CANTCREAT, planted.code(), planted.err());
        try (var s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written through the symlink");
        }
        assertEquals(SysExits.OK, deliver("x\n", "--root", root, "--to", "alice").code());
    }

    @org.junit.jupiter.api.Test
    void onlyWhatRetryingCannotChangeIsPermanent() {
        int eio = -io.txring.uring.generated.Errno.EIO, eloop = -io.txring.uring.generated.Errno.ELOOP;
        assertEquals(SysExits.TEMPFAIL, DeliverCommand.exitCode(io.txring.uring.NativeException.of("fsync", "ann/new", eio)),
                "EIO may pass: Postfix must defer, not bounce");
        assertEquals(SysExits.TEMPFAIL, DeliverCommand.exitCode(new IllegalStateException("a bug")), "so may a bug");
        assertEquals(SysExits.CANTCREAT, DeliverCommand.exitCode(io.txring.uring.NativeException.of("openat2", "mallory", eloop)));
    }
}
