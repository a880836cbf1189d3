package io.txring.mailspool;

import io.txring.txn.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code mailspool fsck}: recover, clean and check a spool. */
@Command(name = "fsck", mixinStandardHelpOptions = true,
        description = {"Opens the spool (txn recovery: interrupted commits completed, orphan shadows removed), removes tmp/",
                "files older than 36 hours, checks every message's size against its S= name.",
                "Exit codes: 0 clean, 65 damage left that fsck could not repair, 73/74 the spool could not be opened or read."})
final class FsckCommand implements Callable<Integer> {
    @ParentCommand MailSpool parent;

    @Option(names = "--root", required = true, paramLabel = "DIR", description = "the spool root")
    Path root;

    @Option(names = "--tmp-max-age", paramLabel = "DURATION", defaultValue = "36h", description = "age of abandoned tmp/ files (default ${DEFAULT-VALUE})")
    Duration tmpMaxAge;

    @Mixin StoreOptions store;

    @Override
    public Integer call() {
        if (!Files.isDirectory(root)) {
            parent.err().println("mailspool fsck: " + root + " is not a directory");
            return SysExits.CANTCREAT;
        }
        try (Store s = Store.open(root, store.storeConfig())) {
            MaildirCheck.Report r = MaildirCheck.run(s, tmpMaxAge);
            parent.out().printf("recovery: %s%n", r.recovery());
            parent.out().printf("%d mailboxes, %d messages, %d stale tmp files removed, %d missing directories recreated, %d damaged%n",
                    r.mailboxes(), r.messages(), r.tmpRemoved(), r.repaired(), r.damaged().size());
            for (String d : r.damaged()) parent.out().println("damaged: " + d);
            return r.clean() ? SysExits.OK : SysExits.DATAERR;
        } catch (IOException e) {
            parent.err().println("mailspool fsck: " + e.getMessage());
            return DeliverCommand.exitCode(e) == SysExits.CANTCREAT ? SysExits.CANTCREAT : SysExits.IOERR;
        }
    }
}
