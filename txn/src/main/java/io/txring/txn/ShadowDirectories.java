package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Op;
import io.txring.uring.NativeException;
import io.txring.uring.generated.Errno;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directories that may hold shadows, one per line in {@code .txring/shadow-dirs}: a lone
 * opener's sweep lists only these, instead of walking the whole tree (which grew with the
 * spool, raced with mail readers moving files, and could be redirected by a directory swapped
 * for a symlink mid-walk). A directory is listed — durably, when the policy syncs — before the
 * first shadow is created in it, so a crash can never leave a shadow the sweep does not know of.
 * Appends use {@code O_APPEND}: processes appending at once never overwrite each other's lines
 * (a duplicate line is harmless).
 */
final class ShadowDirectories implements AutoCloseable {
    static final String FILE = ".txring/shadow-dirs";
    private static final System.Logger LOG = System.getLogger(ShadowDirectories.class.getName());

    private final Store store;
    private final SyncPolicy sync;
    private final int fd;
    private final boolean existed;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    /** Where this handle believes the file ends: O_APPEND puts each line at the true end anyway; the offset keeps traces exact. */
    private long end;

    ShadowDirectories(Store store, SyncPolicy sync) throws IOException {
        this.store = store;
        this.sync = sync;
        int r = store.ring.callRaw(FileOps.openOp(store.rootFd, FILE, O_RDWR | O_APPEND | O_NOFOLLOW, 0));
        this.existed = r != -Errno.ENOENT;
        if (!existed) r = store.ring.callRaw(FileOps.openOp(store.rootFd, FILE, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW, 0600));
        store.fs.check(r, "openat2", FILE);
        this.fd = r;
        known.addAll(listed());
    }

    /** Whether the file was there at open: a store made before it existed needs one full walk. */
    boolean existed() {
        return existed;
    }

    /** The directories the file lists, each checked with the API's path rules ("" is the root). */
    private Set<String> listed() throws NativeException {
        Set<String> dirs = new TreeSet<>();
        byte[] all = store.fs.readAll(fd, 0, FILE);
        end = Math.max(end, all.length);
        for (String line : new String(all, StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) continue;
            if (line.equals(".")) {
                dirs.add("");
                continue;
            }
            try {
                if (StorePath.of(line).path().equals(line)) dirs.add(line);
            } catch (InvalidPathException e) {
                LOG.log(System.Logger.Level.WARNING, "txring: {0} names an invalid directory; ignored", FILE);
            }
        }
        return dirs;
    }

    /** Before the first shadow in {@code dir}: makes sure the sweep will look there. */
    void ensure(String dir) throws IOException {
        if (known.contains(dir)) return; // the common case: a set lookup
        synchronized (this) {
            if (known.contains(dir)) return;
            byte[] line = ((dir.isEmpty() ? "." : dir) + "\n").getBytes(StandardCharsets.UTF_8);
            store.fs.writeAll(fd, line, end, FILE); // O_APPEND: lands at the true end whatever the offset
            end += line.length;
            if (sync.tracksRemovals()) store.fs.check(store.ring.callRaw(Op.fdatasync(fd)), "fdatasync", FILE);
            known.add(dir);
        }
    }

    /**
     * The lone opener's sweep: removes every regular {@code .txr-*} file in each listed
     * directory, through a confined directory fd, tolerating directories that vanished, are no
     * longer directories, or cannot be read. Returns how many it removed.
     */
    int sweep() throws IOException {
        int removed = 0;
        for (String dir : listed()) {
            int dirfd;
            try {
                dirfd = dir.isEmpty() ? store.rootFd : store.fs.openDir(store.rootFd, dir, dir);
            } catch (NativeException e) {
                continue; // gone, replaced by a symlink, or unreadable: nothing we could remove safely
            }
            try {
                for (String name : shadowNames(dir)) {
                    VersionStamp st;
                    try {
                        st = store.fs.stamp(dirfd, name, dir.isEmpty() ? name : dir + "/" + name);
                    } catch (IOException notRegular) {
                        continue;
                    }
                    if (!st.exists()) continue; // moved meanwhile
                    int r = store.ring.callRaw(Op.unlinkat(dirfd, name, 0));
                    if (r >= 0) removed++;
                }
            } finally {
                if (dirfd != store.rootFd) store.ring.callRaw(Op.close(dirfd));
            }
        }
        return removed;
    }

    /** The {@code .txr-*} names in {@code dir}; none if it cannot be listed. */
    private List<String> shadowNames(String dir) {
        List<String> names = new ArrayList<>();
        Path p = dir.isEmpty() ? store.root : store.root.resolve(dir);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(p, StorePath.SHADOW_PREFIX + "*")) {
            for (Path x : s) names.add(x.getFileName().toString());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "txring: cannot list {0} to sweep shadows: {1}", p, e.toString());
        }
        return names;
    }

    @Override
    public void close() {
        store.ring.callRaw(Op.close(fd));
    }
}
