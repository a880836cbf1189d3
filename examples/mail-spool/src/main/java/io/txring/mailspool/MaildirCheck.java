package io.txring.mailspool;

import io.txring.txn.Store;
import io.txring.txn.Transaction;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * What {@code mailspool fsck} does, on a store that recovery has just brought to a
 * committed state (replayed commit records, removed orphan shadows): removes {@code tmp/}
 * files older than the Maildir spec's 36 hours, recreates a missing {@code tmp/},
 * {@code new/} or {@code cur/}, and checks every message in {@code new/} and
 * {@code cur/} has the size its {@code ,S=} name promises. Listing uses java.nio without
 * following links; every removal goes through a transaction (confined to the root).
 */
public final class MaildirCheck {
    /** The spec's age after which a file in tmp/ is abandoned. */
    public static final Duration TMP_MAX_AGE = Duration.ofHours(36);

    /**
     * @param recovery    what txn recovery did when the store opened
     * @param mailboxes   Maildirs found
     * @param messages    files in new/ and cur/
     * @param tmpRemoved  stale tmp/ files removed
     * @param repaired    missing Maildir subdirectories recreated
     * @param damaged     problems left (a size that does not match, a symlink, a non-file): one line each
     */
    public record Report(String recovery, int mailboxes, int messages, int tmpRemoved, int repaired, List<String> damaged) {
        public boolean clean() { return damaged.isEmpty(); }
    }

    private MaildirCheck() {}

    public static Report run(Store store, Duration tmpMaxAge) throws IOException {
        Path root = store.root();
        int mailboxes = 0, messages = 0, repaired = 0;
        List<String> stale = new ArrayList<>();
        List<String> damaged = new ArrayList<>();
        Instant cutoff = Instant.now().minus(tmpMaxAge);
        try (DirectoryStream<Path> top = Files.newDirectoryStream(root)) {
            for (Path box : top) {
                String name = box.getFileName().toString();
                if (name.startsWith(".") || !Files.isDirectory(box, LinkOption.NOFOLLOW_LINKS)) continue;
                boolean any = false;
                for (String sub : List.of("tmp", "new", "cur")) any |= Files.exists(box.resolve(sub), LinkOption.NOFOLLOW_LINKS);
                if (!any) continue; // not a Maildir
                mailboxes++;
                for (String sub : List.of("tmp", "new", "cur")) {
                    Path dir = box.resolve(sub);
                    if (Files.isSymbolicLink(dir)) {
                        damaged.add(name + "/" + sub + ": a symbolic link (not followed)");
                        continue;
                    }
                    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                        store.createDirectories(name + "/" + sub);
                        repaired++;
                        continue;
                    }
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                        for (Path f : files) {
                            String rel = name + "/" + sub + "/" + f.getFileName();
                            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                            if (sub.equals("tmp")) {
                                if (a.isRegularFile() && a.lastModifiedTime().toInstant().isBefore(cutoff)) stale.add(rel);
                                continue;
                            }
                            if (!a.isRegularFile()) {
                                damaged.add(rel + ": not a regular file");
                                continue;
                            }
                            messages++;
                            OptionalLong promised = MaildirName.sizeOf(f.getFileName().toString());
                            if (promised.isPresent() && promised.getAsLong() != a.size()) {
                                damaged.add(rel + ": size " + a.size() + " but the name says S=" + promised.getAsLong());
                            }
                        }
                    }
                }
            }
        }
        for (String rel : stale) {
            try (Transaction tx = store.begin()) {
                if (tx.exists(rel)) tx.delete(rel);
                tx.commit();
            }
        }
        return new Report(store.recoverySummary(), mailboxes, messages, stale.size(), repaired, List.copyOf(damaged));
    }
}
