package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Op;
import io.txring.uring.NativeException;
import io.txring.uring.generated.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Brings a store to a committed state: rolls every complete commit record forward
 * (idempotent, so an interrupted recovery can simply run again), discards torn records,
 * then removes every shadow file no record names.
 */
final class Recovery {
    /** What one recovery did. */
    record Report(int recordsReplayed, int recordsDiscarded, int shadowsRemoved) {}

    private Recovery() {}

    static Report run(Store store) throws IOException {
        FileOps fs = store.fs;
        int replayed = 0, discarded = 0;
        List<String> names;
        try (Stream<Path> s = Files.list(store.root.resolve(".txring/journal"))) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (String name : names) {
            int fd = fs.open(store.journalFd, name, O_RDONLY, 0, ".txring/journal/" + name);
            byte[] bytes;
            try {
                bytes = fs.readAll(fd, 0, ".txring/journal/" + name);
            } finally {
                store.ring.callRaw(Op.close(fd));
            }
            CommitRecord record = CommitRecord.decode(bytes);
            if (record != null) {
                replay(store, record);
                replayed++;
            } else {
                discarded++; // torn: the transaction never reached its commit point
            }
            fs.check(store.ring.callRaw(Op.unlinkat(store.journalFd, name, 0)), "unlinkat", ".txring/journal/" + name);
        }
        if (replayed + discarded > 0) fs.check(store.ring.callRaw(Op.fsync(store.journalFd)), "fsync", ".txring/journal");
        return new Report(replayed, discarded, sweepShadows(store));
    }

    /** Each step is done only if still needed, so replaying twice changes nothing. */
    private static void replay(Store store, CommitRecord record) throws IOException {
        FileOps fs = store.fs;
        Set<String> dirsTouched = new HashSet<>();
        for (CommitRecord.Step step : record.steps()) {
            String shown = step.dir().isEmpty() ? step.leaf() : step.dir() + "/" + step.leaf();
            int dirfd = openIfPresent(fs, store, step.dir());
            if (dirfd < 0) continue; // nothing to publish into: the step cannot have mattered
            int shadowDirfd = -1;
            try {
                switch (step.kind()) {
                    case REPLACE, CREATE -> {
                        shadowDirfd = step.shadowDir().equals(step.dir()) ? dirfd : openIfPresent(fs, store, step.shadowDir());
                        if (shadowDirfd < 0) continue; // shadow directory gone: published before the crash
                        int r = store.ring.callRaw(Op.renameat(shadowDirfd, step.shadow(), dirfd, step.leaf(), 0));
                        if (r == -Errno.ENOENT) continue; // published before the crash
                        fs.check(r, "renameat", shown);
                    }
                    case DELETE -> {
                        // No later commit touched this path: one would have synced this record's removal first.
                        int r = store.ring.callRaw(Op.unlinkat(dirfd, step.leaf(), 0));
                        if (r == -Errno.ENOENT) continue; // deleted before the crash
                        fs.check(r, "unlinkat", shown);
                    }
                }
                if (dirsTouched.add(step.dir())) fs.check(store.ring.callRaw(Op.fsync(dirfd)), "fsync", step.dir());
            } finally {
                if (shadowDirfd >= 0 && shadowDirfd != dirfd) store.ring.callRaw(Op.close(shadowDirfd));
                store.ring.callRaw(Op.close(dirfd));
            }
        }
    }

    /** The directory {@code dir} opened confined, or -1 if it does not exist. */
    private static int openIfPresent(FileOps fs, Store store, String dir) throws NativeException {
        try {
            return fs.openDir(store.rootFd, dir, dir.isEmpty() ? "." : dir);
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOENT) return -1;
            throw e;
        }
    }

    /** Removes {@code .txr-*} files everywhere under the root (never following symlinks). */
    private static int sweepShadows(Store store) throws IOException {
        List<Path> shadows = new ArrayList<>();
        try (Stream<Path> s = Files.walk(store.root)) {
            s.filter(p -> !p.startsWith(store.root.resolve(StorePath.META_DIR)))
                    .filter(p -> p.getFileName().toString().startsWith(StorePath.SHADOW_PREFIX))
                    .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(shadows::add);
        }
        for (Path p : shadows) Files.deleteIfExists(p);
        return shadows.size();
    }
}
