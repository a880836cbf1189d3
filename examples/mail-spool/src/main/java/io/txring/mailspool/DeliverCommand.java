package io.txring.mailspool;

import io.txring.txn.Failure;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code mailspool deliver}: one message from stdin into every recipient's Maildir, atomically. */
@Command(name = "deliver", mixinStandardHelpOptions = true,
        description = {"Delivers one message from standard input to DIR/<recipient>/new (Maildir), all recipients in one transaction.",
                "Exit codes (sysexits): 0 delivered, 64 usage, 65 empty message, 67 invalid recipient, 73 cannot create the spool",
                "or a mailbox, 74 I/O error, 75 temporary failure (disk full, conflict, unknown outcome: the MTA retries)."})
final class DeliverCommand implements Callable<Integer> {
    @ParentCommand MailSpool parent;

    @Option(names = "--root", required = true, paramLabel = "DIR", description = "the spool root (created if absent)")
    Path root;

    @Option(names = "--to", required = true, split = ",", paramLabel = "ADDR", description = "recipients: local parts or local@domain (the domain is dropped)")
    List<String> to;

    @Option(names = "--from", paramLabel = "ADDR", description = "the envelope sender (informational; the message is stored unchanged)")
    String from;

    @Option(names = "--quiet", description = "do not print the delivered paths")
    boolean quiet;

    @Mixin StoreOptions store;

    @Override
    public Integer call() {
        List<Recipient> recipients = new ArrayList<>();
        for (String a : to) {
            if (a.isBlank()) continue;
            try {
                recipients.add(Recipient.parse(a.strip()));
            } catch (InvalidRecipientException e) {
                return fail(SysExits.NOUSER, e.getMessage());
            }
        }
        if (recipients.isEmpty()) return fail(SysExits.USAGE, "--to names no recipient");
        PushbackInputStream in = new PushbackInputStream(parent.in());
        try {
            int first = in.read();
            if (first < 0) return fail(SysExits.DATAERR, "empty message on standard input");
            in.unread(first);
        } catch (IOException e) {
            return fail(SysExits.TEMPFAIL, "reading standard input: " + e.getMessage());
        }
        var config = store.storeConfig(); // a bad option combination is a usage error (64), thrown from here to picocli
        DeliveryAgent agent;
        try {
            agent = DeliveryAgent.open(root, config);
        } catch (IOException | RuntimeException e) {
            return fail(exitCode(e), "opening spool " + root + ": " + e.getMessage());
        }
        try (agent) {
            List<String> paths = agent.deliver(recipients, new StdinReader(in));
            if (!quiet) for (String p : paths) parent.out().println(root.resolve(p));
            return SysExits.OK;
        } catch (StdinReader.Failure e) {
            return fail(SysExits.TEMPFAIL, "reading standard input: " + e.getCause().getMessage());
        } catch (IOException | RuntimeException e) {
            return fail(exitCode(e), String.valueOf(e.getMessage()));
        }
    }

    private int fail(int code, String reason) {
        parent.err().println("mailspool deliver: " + reason);
        return code;
    }

    /**
     * What an MTA should do about a failed delivery. Postfix's pipe(8) and Exim defer on 75
     * (EX_TEMPFAIL) and bounce on the other sysexits codes, so everything that may succeed
     * later — a full or read-only volume, an I/O error, a permission or configuration
     * problem the administrator fixes, a conflict, an unknown commit outcome, a bug — is 75.
     * Only a refusal that retrying cannot change is permanent ({@link Failure#PERMANENT}): a
     * mailbox that is a symlink planted in the spool, a name the filesystem cannot take (73). Bad recipients (67) and usage (64) are decided before.
     */
    static int exitCode(Exception e) {
        if (Failure.of(e) == Failure.PERMANENT) return SysExits.CANTCREAT;
        return SysExits.TEMPFAIL;
    }

    /** Tells a read failure of stdin apart from a failure of the spool. */
    private static final class StdinReader extends InputStream {
        static final class Failure extends IOException {
            private static final long serialVersionUID = 1L;

            Failure(IOException cause) { super(cause); }
        }

        private final InputStream in;

        StdinReader(InputStream in) { this.in = in; }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw new Failure(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw new Failure(e);
            }
        }
    }
}
