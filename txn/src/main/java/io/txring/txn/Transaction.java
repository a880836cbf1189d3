package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Op;
import io.txring.uring.LibC;
import io.txring.uring.NativeException;
import io.txring.uring.generated.statx;
import io.txring.uring.internal.ScratchPool;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of file changes that lands completely or not at all. Reads record each file's
 * {@link VersionStamp} at first touch; writes go to shadow files beside their targets;
 * {@link #commit()} validates every stamp and publishes by rename (a commit that only
 * creates files: by hard links). Closing without a
 * commit aborts. Not thread-safe: one transaction belongs to one thread at a time.
 *
 * <p>The commit protocol is described step by step in {@link Store}.
 */
public final class Transaction implements AutoCloseable {
    private enum State { ACTIVE, COMMITTED, ABORTED }

    private enum Kind { NONE, WRITE, CREATE, DELETE }

    /** One path this transaction touched. */
    private static final class Entry {
        final StorePath path;
        final int dirfd;
        VersionStamp seen;
        Kind kind = Kind.NONE;
        /** The shadow's name, in directory {@link #shadowDir} (open as {@link #shadowDirfd}). */
        String shadow;
        String shadowDir;
        int shadowDirfd = -1;
        int shadowFd = -1;
        long shadowSize;
        /** Names the shadow's inode; entries linked to one shadow share it, so flush syncs the inode once. */
        ShadowInode inode;
        /** The shadow is a hard link to the committed file of this entry (see {@link #link}): never written through. */
        Entry linksCommitted;
        /**
         * {@link #shadow} is another entry's shadow name in a staging directory, not a link of this
         * entry's own ({@link #link} defers that link): a commit that publishes by links needs none;
         * anything else gets one first, beside it ({@link #unshareAll}).
         */
        boolean sharesName;

        Entry(StorePath path, int dirfd, VersionStamp seen) {
            this.path = path;
            this.dirfd = dirfd;
            this.seen = seen;
        }
    }

    /**
     * A shadow inode of this transaction, and what is known of its content: while it is only
     * written from its start onwards (write, create, append), the CRC-32C of everything in it,
     * which lets a delivery's record name the content its shadow must have ({@link CommitRecord.Content}).
     */
    private static final class ShadowInode {
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        /** Bytes the CRC covers; -1 once the content is no longer known (copied, truncated, mapped, written out of order). */
        long known;
        /** Its inode number once a stat of one of its names saw it (it never changes): the record needs no stat of its own. */
        long ino = -1;

        void reset() {
            crc.reset();
            known = 0;
        }

        void forget() {
            known = -1;
        }

        /** {@code data} written at {@code at}. */
        void wrote(long at, byte[] data) {
            if (follows(at)) {
                crc.update(data);
                known += data.length;
            }
        }

        /** {@code data} written at {@code at}. */
        void wrote(long at, MemorySegment data) {
            if (!follows(at)) return;
            long n = data.byteSize();
            for (long from = 0; from < n; from += 1 << 30) crc.update(data.asSlice(from, Math.min(n - from, 1 << 30)).asByteBuffer()); // ≤ 2 GiB per view
            known += n;
        }

        /** Whether a write at {@code at} continues the known content (else the content is forgotten). */
        private boolean follows(long at) {
            if (known >= 0 && at == known) return true;
            forget();
            return false;
        }
    }

    private final Store store;
    private final FileOps fs;
    final String id;
    private final int attempt;
    private final Map<String, Entry> entries = new TreeMap<>();
    private final Map<String, Integer> dirs = new HashMap<>();
    private int shadows;
    private State state = State.ACTIVE;

    Transaction(Store store, String id, int attempt) {
        this.store = store;
        this.fs = store.fs;
        this.id = id;
        this.attempt = attempt;
    }

    /** 1 for the first try of a {@link Store#run} body, 2 for its first retry, … */
    public int attempt() {
        return attempt;
    }

    private void checkActive() {
        if (state != State.ACTIVE) throw new IllegalStateException("transaction " + id + " is " + state);
    }

    private int dir(String parent) throws NativeException {
        if (parent.isEmpty()) return store.rootFd; // the store's own fd: no open, no close per transaction
        Integer fd = dirs.get(parent);
        if (fd == null) {
            fd = fs.openDir(store.rootFd, parent, parent);
            dirs.put(parent, fd);
        }
        return fd;
    }

    /** Fixes where {@code e}'s shadow lives (the store's {@link ShadowPlacement}) and opens that directory. */
    private void placeShadow(Entry e) throws IOException {
        if (e.shadowDirfd >= 0) return;
        String d = shadowDirFor(e.path);
        store.shadowDirs.ensure(d); // before any shadow exists there: the sweep must know where to look
        e.shadowDir = d;
        e.shadowDirfd = dir(d);
    }

    /** Where the store's {@link ShadowPlacement} puts {@code path}'s shadow. */
    private String shadowDirFor(StorePath path) {
        return shadowDirOf(path.parent());
    }

    /** Where the store's {@link ShadowPlacement} puts the shadows of files in directory {@code dir}. */
    private String shadowDirOf(String dir) {
        String d = store.config().shadows().directoryFor(dir);
        if (!d.isEmpty()) StorePath.of(d); // the placement's answer is checked like any path: no '..', not .txring
        return d;
    }

    /** First touch records the stamp; later touches reuse it. */
    private Entry touch(String path) throws IOException {
        checkActive();
        StorePath p = StorePath.of(path);
        Entry e = entries.get(p.path());
        if (e == null) {
            store.settleBeforeRead(p.path()); // no first read of a path an orphaned commit record names
            int dirfd = dir(p.parent());
            e = new Entry(p, dirfd, fs.stamp(dirfd, p.leaf(), p.path()));
            entries.put(p.path(), e);
        }
        return e;
    }

    private boolean existsNow(Entry e) {
        return switch (e.kind) {
            case DELETE -> false;
            case WRITE, CREATE -> true;
            case NONE -> e.seen.exists();
        };
    }

    /** The stamp the file had when this transaction first touched it. */
    public VersionStamp stamp(String path) throws IOException {
        return touch(path).seen;
    }

    public boolean exists(String path) throws IOException {
        return existsNow(touch(path));
    }

    /** The file's content as this transaction sees it (its own writes included). */
    public byte[] read(String path) throws IOException {
        Entry e = touch(path);
        if (!existsNow(e)) throw new NoSuchFileException(path);
        if (e.shadowFd >= 0) return fs.readAll(e.shadowFd, 0, path);
        int fd = e.shadow != null ? fs.open(e.shadowDirfd, e.shadow, O_RDONLY, 0, path) // linked, not yet written
                : fs.open(e.dirfd, e.path.leaf(), O_RDONLY, 0, path);
        try {
            return fs.readAll(fd, 0, path);
        } finally {
            store.ring.callRaw(Op.close(fd));
        }
    }

    /** Replaces the file's content (creating it if absent). */
    public void write(String path, byte[] data) throws IOException {
        Entry e = emptyShadow(path);
        fs.writeAll(e.shadowFd, data, 0, path);
        e.inode.wrote(0, data);
        e.shadowSize = data.length;
        if (e.kind != Kind.CREATE) e.kind = Kind.WRITE;
    }

    /** Replaces the file's content with the bytes of {@code data} (native memory, not copied). */
    public void write(String path, MemorySegment data) throws IOException {
        Entry e = emptyShadow(path);
        fs.writeAll(e.shadowFd, data, 0, path);
        e.inode.wrote(0, data);
        e.shadowSize = data.byteSize();
        if (e.kind != Kind.CREATE) e.kind = Kind.WRITE;
    }

    /** Appends to the file (which must exist, in the store or in this transaction). */
    public void append(String path, byte[] data) throws IOException {
        appendTo(appendable(path), data);
    }

    /**
     * Appends the bytes of {@code data} (native memory, not copied) to the file. Written to
     * the shadow at once: streaming a large file through repeated appends keeps memory bounded.
     */
    public void append(String path, MemorySegment data) throws IOException {
        appendTo(appendable(path), data);
    }

    /** Writes {@code data} at the end of {@code e}'s shadow. */
    private void appendTo(Entry e, byte[] data) throws IOException {
        fs.writeAll(e.shadowFd, data, e.shadowSize, e.path.path());
        e.inode.wrote(e.shadowSize, data);
        e.shadowSize += data.length;
    }

    /** Writes {@code data} (native memory, not copied) at the end of {@code e}'s shadow. */
    private void appendTo(Entry e, MemorySegment data) throws IOException {
        fs.writeAll(e.shadowFd, data, e.shadowSize, e.path.path());
        e.inode.wrote(e.shadowSize, data);
        e.shadowSize += data.byteSize();
    }

    private Entry appendable(String path) throws IOException {
        Entry e = touch(path);
        if (!existsNow(e)) throw new NoSuchFileException(path);
        shadow(e, true);
        if (e.kind != Kind.CREATE) e.kind = Kind.WRITE;
        return e;
    }

    /** Cuts (or extends with zeros) the file to {@code size} bytes. */
    public void truncate(String path, long size) throws IOException {
        Entry e = touch(path);
        if (!existsNow(e)) throw new NoSuchFileException(path);
        shadow(e, true);
        fs.check(store.ring.callRaw(new Op().prepFtruncate(e.shadowFd, size)), "ftruncate", path);
        e.inode.forget();
        e.shadowSize = size;
        if (e.kind != Kind.CREATE) e.kind = Kind.WRITE;
    }

    /** Creates the file; fails now if it exists, and at commit if someone else created it first. */
    public void create(String path, byte[] data) throws IOException {
        checkActive();
        if (!entries.containsKey(StorePath.of(path).path())) {
            Entry e = emptyShadow(path); // first touch: the statx shares a submission with the shadow's creation
            if (e.seen.exists()) {
                dropShadow(e);
                throw new FileAlreadyExistsException(path);
            }
            fs.writeAll(e.shadowFd, data, 0, path);
            e.inode.wrote(0, data);
            e.shadowSize = data.length;
            e.kind = Kind.CREATE;
            return;
        }
        Entry e = touch(path);
        if (existsNow(e)) throw new FileAlreadyExistsException(path);
        Kind before = e.kind;
        write(path, data);
        e.kind = before == Kind.DELETE ? Kind.WRITE : Kind.CREATE; // delete-then-create replaces
    }

    /**
     * Makes {@code newPath} a hard link to {@code path}'s content as this transaction sees
     * it (one inode, two names: the Maildir way to deliver one message to many mailboxes).
     * {@code newPath} must not exist. If this transaction changed {@code path}, both names
     * share that new content until commit (a later write to either shows in both); if not,
     * {@code newPath} links the committed file, and a later write to {@code newPath} first
     * gives it its own copy (the committed inode is never written in place).
     */
    public void link(String path, String newPath) throws IOException {
        Entry src = touch(path);
        if (!existsNow(src)) throw new NoSuchFileException(path);
        Entry dst = touch(newPath);
        if (existsNow(dst)) throw new FileAlreadyExistsException(newPath);
        dropShadow(dst);
        if (src.shadow != null && src.linksCommitted == null && !src.shadowDir.equals(src.path.parent())) {
            // A shadow in a staging directory (e.g. Maildir's tmp/): share its name. A deferred finish publishes every
            // target as a link of it, so no second name need exist (a linkat now and an unlinkat at the finish saved);
            // unshareAll makes one, beside it, when needed. Only here: a second name beside the source is what this
            // would make anyway, so a target on another filesystem fails no later than it did (a shadow beside
            // its target is linked at once, and a mount point between them fails this call with EXDEV).
            dst.shadowDir = src.shadowDir;
            dst.shadowDirfd = src.shadowDirfd;
            dst.shadow = src.shadow;
            dst.sharesName = true;
            dst.shadowSize = src.shadowSize;
            dst.inode = src.inode; // flush syncs the inode through src's fd (handed over if src is dropped)
        } else {
            placeShadow(dst); // a shadow of ours beside its own target: the commit renames it within that directory
            String name = StorePath.SHADOW_PREFIX + id + "-" + (shadows++);
            int fromDir = src.shadow != null ? src.shadowDirfd : src.dirfd;
            String from = src.shadow != null ? src.shadow : src.path.leaf();
            fs.check(store.ring.callRaw(new Op().prepLinkat(fromDir, from, dst.shadowDirfd, name, 0)), "linkat", newPath);
            dst.shadow = name;
            dst.shadowSize = src.shadow != null ? src.shadowSize : src.seen.size();
            if (src.shadow != null && src.linksCommitted == null) {
                dst.inode = src.inode; // flush syncs the inode through src's fd (handed over if src is dropped)
            } else {
                Entry committed = src.shadow != null ? src.linksCommitted : src;
                adoptLinkStamp(committed, fs.stamp(dst.shadowDirfd, name, newPath));
                dst.linksCommitted = committed;
            }
        }
        dst.kind = dst.seen.exists() ? Kind.WRITE : Kind.CREATE; // deleted earlier in this transaction: a replace
    }

    /**
     * Gives every entry that shares another's shadow name ({@link Entry#sharesName}) a hard link
     * of its own: before anything renames or unlinks a shadow name, and before a commit that
     * publishes by renames. A failure leaves the entries that got theirs and throws (nothing is
     * published yet: the caller aborts, and an abort removes every name).
     */
    void unshareAll() throws IOException {
        checkActive(); // a finished transaction's names and directory fds are no longer its own
        for (Entry e : entries.values()) if (e.sharesName) ownName(e);
    }

    /**
     * Before {@code e}'s shadow name is renamed or unlinked: if {@code e} shares another's name it
     * gets its own; if others share {@code e}'s, they get theirs.
     */
    private void unshare(Entry e) throws IOException {
        if (e.sharesName) {
            ownName(e);
            return;
        }
        if (e.shadow == null) return;
        for (Entry o : entries.values()) {
            if (o != e && o.sharesName && o.shadowDirfd == e.shadowDirfd && o.shadow.equals(e.shadow)) ownName(o);
        }
    }

    /** A hard link of {@code e}'s shared shadow name, beside it (one directory: a link there cannot cross a mount). */
    private void ownName(Entry e) throws IOException {
        String name = StorePath.SHADOW_PREFIX + id + "-" + (shadows++);
        fs.check(store.ring.callRaw(new Op().prepLinkat(e.shadowDirfd, e.shadow, e.shadowDirfd, name, 0)), "linkat", e.path.path());
        e.shadow = name;
        e.sharesName = false;
    }

    /**
     * Our own link or unlink changed the committed inode's ctime and link count. If it is
     * the inode first seen, adopt its new stamp; if not, someone replaced the file
     * meanwhile, and validation will report the conflict.
     */
    private void adoptLinkStamp(Entry committed, VersionStamp now) {
        VersionStamp seen = committed.seen;
        if (now.ino() == seen.ino() && now.dev() == seen.dev() && now.size() == seen.size()) committed.seen = now;
    }

    /**
     * Gives the file at {@code from}, as this transaction sees it, the name {@code to}
     * instead (which must not exist): at commit {@code to} appears with that content and
     * {@code from} is gone. A file this transaction wrote moves without copying a byte. (A file
     * whose name depends on its content is better {@link #stage staged}: no provisional name is
     * stamped, locked and validated.)
     */
    public void move(String from, String to) throws IOException {
        Entry src = touch(from);
        if (!existsNow(src)) throw new NoSuchFileException(from);
        unshare(src); // its shadow name may move below: nobody else may be holding it
        Entry dst = touch(to);
        if (existsNow(dst)) throw new FileAlreadyExistsException(to);
        if (src == dst) return;
        if (src.shadow == null) { // unchanged committed file: a new name for its inode, the old one deleted
            link(from, to);
            delete(from);
            return;
        }
        takeShadow(src, dst, to);
        dst.linksCommitted = src.linksCommitted;
        if (dst.shadowDirfd != src.shadowDirfd && src.linksCommitted != null) {
            adoptLinkStamp(src.linksCommitted, fs.stamp(dst.shadowDirfd, dst.shadow, to)); // the rename changed its ctime
        }
        dst.kind = dst.seen.exists() ? Kind.WRITE : Kind.CREATE;
        src.shadow = null;
        src.shadowFd = -1;
        src.shadowSize = 0;
        src.inode = null;
        src.linksCommitted = null;
        src.kind = src.seen.exists() ? Kind.DELETE : Kind.NONE;
    }

    /**
     * Gives {@code src}'s shadow (name, fd, size, inode) to {@code dst}, moved into {@code dst}'s
     * staging directory if that is another (under its own name: shadow names are unique). The
     * caller then clears or drops {@code src}'s.
     */
    private void takeShadow(Entry src, Entry dst, String shownAs) throws IOException {
        dropShadow(dst);
        placeShadow(dst);
        if (dst.shadowDirfd != src.shadowDirfd) {
            fs.check(store.ring.callRaw(Op.renameat(src.shadowDirfd, src.shadow, dst.shadowDirfd, src.shadow, RENAME_NOREPLACE)), "renameat", shownAs);
        }
        dst.shadow = src.shadow;
        dst.shadowFd = src.shadowFd;
        dst.shadowSize = src.shadowSize;
        dst.inode = src.inode;
    }

    /**
     * The identity (device, inode, size, times) of the file at {@code path} as this
     * transaction will publish it: its shadow's if it has one. (A staged file's: {@link #stamp(Staged)}.)
     */
    public VersionStamp pendingStamp(String path) throws IOException {
        Entry e = touch(path);
        if (e.shadow == null) return e.kind == Kind.DELETE ? VersionStamp.ABSENT : e.seen;
        VersionStamp now = fs.stamp(e.shadowDirfd, e.shadow, path);
        if (e.inode != null && e.linksCommitted == null && now.exists()) e.inode.ino = now.ino();
        return now;
    }

    /**
     * A file of this transaction that has no name yet ({@link #stage}): its content is written to a
     * shadow in a staging directory, and {@link #create(String, Staged)} gives it its name. Until
     * then no path is touched for it: nothing is stamped, locked or validated.
     */
    public static final class Staged {
        private final Transaction owner;
        private Entry entry;
        /** Its size when it was named (then {@link #entry} is null). */
        private long namedSize;

        private Staged(Transaction owner, Entry entry) {
            this.owner = owner;
            this.entry = entry;
        }

        /** Bytes written to it (once named: when it was named). */
        public long size() {
            Entry e = entry;
            return e == null ? namedSize : e.shadowSize;
        }
    }

    /** Staged files not yet named ({@link #stage}): a commit or abort removes them. */
    private final List<Staged> staged = new ArrayList<>(1);

    /**
     * Starts a file whose name is known only once its content is (a Maildir message is named
     * after its inode and size), to be created in directory {@code dir} (a store path; "" is
     * the root): its shadow is made where the store's {@link ShadowPlacement} puts shadows of
     * files in {@code dir}. Write it with {@link #append(Staged, MemorySegment)}, name it with
     * {@link #create(String, Staged)}; one left unnamed at commit or abort is removed, and
     * nothing of it lands. Costs one file creation: no stat, no lock, no validation of a
     * provisional name (there is none).
     */
    public Staged stage(String dir) throws IOException {
        checkActive();
        String shadowDir = shadowDirOf(dir.isEmpty() ? "" : StorePath.of(dir).path());
        store.shadowDirs.ensure(shadowDir); // before the shadow exists: the sweep must know where to look
        int shadowDirfd = dir(shadowDir);
        String name = StorePath.SHADOW_PREFIX + id + "-" + (shadows++);
        String shown = shadowDir.isEmpty() ? name : shadowDir + "/" + name;
        int fd = fs.open(shadowDirfd, name, O_CREAT | O_EXCL | O_RDWR, store.config().fileMode(), shown);
        Entry e = new Entry(new StorePath(shown, shadowDir, name), shadowDirfd, VersionStamp.ABSENT);
        e.shadowDir = shadowDir;
        e.shadowDirfd = shadowDirfd;
        e.shadow = name;
        e.shadowFd = fd;
        e.inode = new ShadowInode();
        Staged s = new Staged(this, e);
        staged.add(s);
        return s;
    }

    private Entry unnamed(Staged s) {
        checkActive();
        if (s.owner != this) throw new IllegalArgumentException("a file staged by transaction " + s.owner.id + ", not " + id);
        if (s.entry == null) throw new IllegalStateException("this staged file was named already: write it by its path");
        return s.entry;
    }

    /** Appends {@code data} to a staged file. */
    public void append(Staged s, byte[] data) throws IOException {
        appendTo(unnamed(s), data);
    }

    /** Appends the bytes of {@code data} (native memory, not copied) to a staged file. */
    public void append(Staged s, MemorySegment data) throws IOException {
        appendTo(unnamed(s), data);
    }

    /** The identity (device, inode, size, times) of a staged file: what it will be published as. */
    public VersionStamp stamp(Staged s) throws IOException {
        Entry e = unnamed(s);
        VersionStamp now = fs.stamp(e.shadowDirfd, e.shadow, e.path.path());
        if (now.exists()) e.inode.ino = now.ino();
        return now;
    }

    /**
     * Names a staged file: at commit it appears at {@code path} (which must not exist, nor have
     * existed when this transaction first touched it: a staged file only creates — its shadow
     * has the store's file mode, not a replaced file's; someone else creating it first is a
     * conflict), with the content written to it. From here on it is {@code path}'s file in this
     * transaction, and {@code s} is spent.
     */
    public void create(String path, Staged s) throws IOException {
        Entry src = unnamed(s);
        Entry dst = touch(path);
        if (existsNow(dst)) throw new FileAlreadyExistsException(path);
        if (dst.seen.exists()) {
            throw new FileAlreadyExistsException(path, null, "a staged file only creates; this path exists in the store (deleted in this "
                    + "transaction): write the replacement instead");
        }
        takeShadow(src, dst, path);
        dst.kind = Kind.CREATE;
        s.namedSize = src.shadowSize;
        s.entry = null;
        staged.remove(s);
    }

    /** Removes the staged files nobody named (before a commit, and on abort). */
    private void dropUnnamed() {
        for (Staged s : staged) {
            Entry e = s.entry;
            s.entry = null; // first: a second call (abort after a failed commit) finds nothing to drop
            if (e != null) dropShadow(e);
        }
        staged.clear();
    }

    /**
     * Commits on a virtual thread; the future completes when {@link #commit()} would have
     * returned, or exceptionally with what it would have thrown. Do not touch the
     * transaction until the future completes.
     */
    public java.util.concurrent.CompletableFuture<Void> commitAsync() {
        var f = new java.util.concurrent.CompletableFuture<Void>();
        Thread.ofVirtual().name("txring-commit-" + id).start(() -> {
            try {
                commit();
                f.complete(null);
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** Deletes the file. */
    public void delete(String path) throws IOException {
        Entry e = touch(path);
        if (!existsNow(e)) throw new NoSuchFileException(path);
        unshare(e); // its shadow name goes below: nobody else may be holding it
        dropShadow(e);
        e.kind = e.seen.exists() ? Kind.DELETE : Kind.NONE;
    }

    /**
     * Maps {@code length} bytes at {@code offset} of the file, as this transaction sees it,
     * into memory: a copy (a reflink where the filesystem can) that nobody else sees until
     * {@link #commit()}. Writes through the segment are part of the transaction; the file
     * grows to cover the region (created if absent). The segment is valid until the
     * transaction commits or aborts; touching it afterwards throws.
     */
    public MemorySegment map(String path, long offset, long length) throws IOException {
        if (offset < 0 || length <= 0) throw new IllegalArgumentException("offset " + offset + ", length " + length);
        Entry e = touch(path);
        boolean existed = existsNow(e);
        shadow(e, true);
        e.inode.forget(); // written through memory: its content is not followed
        if (offset + length > e.shadowSize) {
            fs.check(store.ring.callRaw(new Op().prepFtruncate(e.shadowFd, offset + length)), "ftruncate", path);
            e.shadowSize = offset + length;
        }
        if (maps == null) maps = Arena.ofShared();
        long pageOffset = offset & -PAGE; // mmap wants a page-aligned file offset
        long span = length + (offset - pageOffset);
        MemorySegment address = MemorySegment.ofArray(new long[1]);
        fs.check(store.ring.callRaw(new Op().prepMmap(e.shadowFd, pageOffset, span, PROT_READ | PROT_WRITE, MAP_SHARED, address)), "mmap", path);
        MemorySegment m = LibC.mapped(address.get(ValueLayout.JAVA_LONG, 0), span, maps);
        if (!existed) e.kind = Kind.CREATE;
        else if (e.kind != Kind.CREATE) e.kind = Kind.WRITE;
        return m.asSlice(offset - pageOffset, length);
    }

    private static final long PAGE = 4096;
    /** Every region {@link #map} handed out; closing it unmaps them all. */
    private Arena maps;

    private void unmap() {
        if (maps != null) {
            maps.close();
            maps = null;
        }
    }

    /**
     * The entry of {@code path} with an open, empty shadow, for a write of the whole content.
     * On first touch, the target's statx and the shadow's creation go out in one submission
     * (the directories they need opened together before): one round trip where touch and
     * {@link #shadow} take two. The shadow is created with the store's file mode; when the
     * target turns out to exist with other permission bits, that shadow is replaced by one
     * made with the target's bits (never chmod-ed wider after creation: an empty file opened
     * meanwhile is all anyone could hold).
     */
    private Entry emptyShadow(String path) throws IOException {
        checkActive();
        StorePath p = StorePath.of(path);
        Entry e = entries.get(p.path());
        if (e != null) {
            shadow(e, false);
            return e;
        }
        String shadowDir = shadowDirFor(p);
        store.settleBeforeRead(p.path()); // first touch: as in touch()
        store.shadowDirs.ensure(shadowDir); // before the shadow exists: the sweep must know where to look
        openDirs(p.parent(), shadowDir);
        e = new Entry(p, dir(p.parent()), null);
        e.shadowDir = shadowDir;
        e.shadowDirfd = dir(shadowDir);
        String name = StorePath.SHADOW_PREFIX + id + "-" + (shadows++);
        int mode = store.config().fileMode();
        int[] r;
        VersionStamp seen;
        IOException bad = null;
        ScratchPool.Lease lease = FileOps.SCRATCH.acquire(statx.SIZEOF);
        MemorySegment buf = lease.memory();
        r = store.ring.callBatch(FileOps.statxOp(e.dirfd, p.leaf(), buf),
                FileOps.openOp(e.shadowDirfd, name, O_CREAT | O_EXCL | O_RDWR, mode)); // a throw leaves the lease taken: in flight
        try {
            seen = FileOps.stamp(r[0], buf, p.path());
        } catch (IOException ex) {
            seen = null;
            bad = ex;
        } finally {
            lease.release();
        }
        if (r[1] < 0) {
            if (bad != null) throw bad;
            throw NativeException.of("openat2", p.path(), r[1]);
        }
        if (bad != null || (seen.exists() && (seen.permissions() & 0777) != mode)) {
            store.ring.callRaw(Op.close(r[1]));
            store.ring.callRaw(Op.unlinkat(e.shadowDirfd, name, 0));
            if (bad != null) throw bad;
            e.seen = seen; // a replacement keeps the target's bits: the sequential path creates with them
            entries.put(p.path(), e);
            shadow(e, false);
            return e;
        }
        e.seen = seen;
        e.shadow = name;
        e.shadowFd = r[1];
        e.shadowSize = 0;
        e.inode = new ShadowInode();
        entries.put(p.path(), e);
        return e;
    }

    /** Opens whichever of directories {@code a} and {@code b} this transaction has not opened yet, in one submission. */
    private void openDirs(String a, String b) throws NativeException {
        List<String> missing = new ArrayList<>(2);
        for (String d : new String[] {a, b}) if (!d.isEmpty() && !dirs.containsKey(d) && !missing.contains(d)) missing.add(d);
        if (missing.size() < 2) return; // one missing: dir() opens it with the same single round trip
        Op[] ops = missing.stream().map(d -> FileOps.openDirOp(store.rootFd, d)).toArray(Op[]::new);
        int[] r = store.ring.callBatch(ops);
        NativeException first = null;
        for (int i = 0; i < r.length; i++) {
            if (r[i] >= 0) dirs.put(missing.get(i), r[i]); // kept even if the other failed: closeDirs closes it
            else if (first == null) first = NativeException.of("openat2", missing.get(i), r[i]);
        }
        if (first != null) throw first;
    }

    /** Opens (and for {@code copy}, fills with the current content) this entry's shadow file. */
    private void shadow(Entry e, boolean copy) throws IOException {
        if (e.shadowFd < 0 && e.shadow != null && e.linksCommitted == null) { // linked to another entry's shadow: share it
            e.shadowFd = fs.open(e.shadowDirfd, e.shadow, O_RDWR, 0, e.path.path());
        }
        if (e.shadowFd >= 0) {
            if (!copy) {
                fs.check(store.ring.callRaw(new Op().prepFtruncate(e.shadowFd, 0)), "ftruncate", e.path.path());
                if (e.inode != null) e.inode.reset();
                e.shadowSize = 0;
            }
            return;
        }
        placeShadow(e);
        Entry committed = e.linksCommitted; // the shadow links the committed inode: copy it, then drop the link
        String linked = committed != null ? e.shadow : null;
        String name = StorePath.SHADOW_PREFIX + id + "-" + (shadows++);
        // A replacement keeps the target's permission bits (through the umask); a new file gets the store default.
        int mode = e.seen.exists() ? e.seen.permissions() & 0777 : store.config().fileMode(); // never setuid/setgid/sticky
        int fd = fs.open(e.shadowDirfd, name, O_CREAT | O_EXCL | O_RDWR, mode, e.path.path());
        e.shadow = name;
        e.shadowFd = fd;
        e.shadowSize = 0;
        e.inode = new ShadowInode();
        e.linksCommitted = null;
        if (linked != null) {
            try {
                if (copy) copyInto(e, e.shadowDirfd, linked);
            } finally {
                store.ring.callRaw(Op.unlinkat(e.shadowDirfd, linked, 0));
            }
            adoptLinkStamp(committed, fs.stamp(committed.dirfd, committed.path.leaf(), committed.path.path()));
        } else if (copy && e.kind != Kind.DELETE && e.seen.exists()) {
            copyInto(e, e.dirfd, e.path.leaf());
        }
    }

    /** Fills {@code e}'s fresh shadow with the content of {@code leaf} in {@code dirfd}: a reflink where possible. */
    private void copyInto(Entry e, int dirfd, String leaf) throws IOException {
        e.inode.forget(); // a copy of committed content: not followed
        int src = fs.open(dirfd, leaf, O_RDONLY, 0, e.path.path());
        try {
            if (store.ring.callRaw(new Op().prepFiclone(e.shadowFd, src)) == 0) { // reflink: shares the extents, copies nothing
                store.countReflink();
                e.shadowSize = fs.sizeOf(e.shadowFd, e.path.path());
            } else {
                e.shadowSize = fs.copy(src, e.shadowFd, e.path.path());
            }
        } finally {
            store.ring.callRaw(Op.close(src));
        }
    }

    private void dropShadow(Entry e) {
        if (e.shadowFd >= 0) {
            // Another name linked to this shadow still needs the inode flushed: it inherits the fd.
            Entry heir = e.inode == null ? null : entries.values().stream()
                    .filter(o -> o != e && o.inode == e.inode && o.shadow != null && o.shadowFd < 0).findFirst().orElse(null);
            if (heir != null) heir.shadowFd = e.shadowFd;
            else store.ring.callRaw(Op.close(e.shadowFd));
        }
        // A shared name is its owner's to remove (delete and move unshare first, so the owner is never dropped alone).
        if (e.shadow != null && !e.sharesName) store.ring.callRaw(Op.unlinkat(e.shadowDirfd, e.shadow, 0));
        e.shadowFd = -1;
        e.shadow = null;
        e.sharesName = false;
        e.shadowSize = 0;
        e.inode = null;
        Entry committed = e.linksCommitted;
        e.linksCommitted = null;
        if (committed != null && state == State.ACTIVE) {
            try { // the unlink above changed the committed inode's ctime and link count
                adoptLinkStamp(committed, fs.stamp(committed.dirfd, committed.path.leaf(), committed.path.path()));
            } catch (IOException ignored) {
                // validation stats it again and reports what changed
            }
        }
    }

    /**
     * Commits: every change lands, or — on a conflict or an I/O failure — none does and
     * this throws ({@link ConflictException}, or the {@link NativeException} naming the
     * failed op). A failed fsync is never retried: the transaction fails.
     */
    public void commit() throws IOException {
        checkActive();
        try {
            dropUnnamed(); // never named: nothing of them lands
            store.commit(this);
            state = State.COMMITTED;
        } finally {
            if (state != State.COMMITTED) abortQuietly();
            closeDirs();
        }
    }

    /** Discards every change. */
    public void abort() {
        if (state != State.ACTIVE) return;
        abortQuietly();
        closeDirs();
    }

    /** Set by the commit protocol once the commit record is durable: shadows then belong to whoever finishes the record. */
    boolean pastCommitPoint;

    private void abortQuietly() {
        unmap();
        dropUnnamed(); // before the commit point always: commit() drops them first
        for (Entry e : entries.values()) {
            if (!pastCommitPoint) {
                dropShadow(e);
            } else if (e.shadowFd >= 0) {
                store.ring.callRaw(Op.close(e.shadowFd));
                e.shadowFd = -1;
            }
        }
        state = State.ABORTED;
    }

    private void closeDirs() {
        if (dirs.isEmpty()) return;
        // Nobody waits for these: a directory close cannot fail in a way anyone could act on.
        if (store.config().metadataSyscalls()) {
            // As syscalls here, like the opens: through the ring their completions woke the reaper once or twice per commit.
            for (int fd : dirs.values()) store.ring.callHere(Op.close(fd));
        } else {
            Op[] closes = dirs.values().stream().map(Op::close).toArray(Op[]::new);
            for (int i = 0; i < closes.length - 1; i++) closes[i].hardLink(); // each close runs whatever the one before returned
            store.ring.submitChainAsync(closes);
        }
        dirs.clear();
    }

    @Override
    public void close() {
        abort();
    }

    // ---- what Store.commit needs ----------------------------------------------------------

    List<String> paths() {
        return new ArrayList<>(entries.keySet());
    }

    boolean readOnly() {
        return entries.values().stream().allMatch(e -> e.kind == Kind.NONE);
    }

    /**
     * Step 1 (flush): fdatasync every shadow when durable, then close them all. A durable
     * transaction that will write a commit record (more than one change) also fsyncs the
     * directories holding its shadows in the same submission: the record may only name
     * shadows whose names survive a crash, and the two syncs need not wait for each other.
     */
    void flush(SyncPolicy sync) throws IOException {
        // fdatasync below also writes back pages dirtied through map(); unmapping first ends writes through them.
        unmap();
        Map<String, Integer> shadowDirs = sync.syncsShadowNames() && changed().size() > 1 ? shadowDirs() : Map.of();
        // One submission: per shadow "fdatasync, then close whatever it returned" (a hard link), so
        // the flush costs one round trip however many files; linked names share one inode and one sync.
        Op[] ops = shadowFlushOps(sync);
        if (ops.length == 0 && shadowDirs.isEmpty()) return;
        // The shadow directories' fsyncs ride in the same submission, one per directory for the whole batch.
        int[] r = store.groupFlush.run(ops, shadowDirs); // shared with concurrent commits' flushes
        for (int i = 0; i < ops.length; i++) fs.check(r[i], ops[i].name(), ops[i].path());
        int k = ops.length;
        for (String d : shadowDirs.keySet()) fs.check(r[k++], "fsync", d.isEmpty() ? "." : d);
    }

    /** The directories holding this transaction's shadows (path → fd). */
    Map<String, Integer> shadowDirs() {
        Map<String, Integer> dirs = new TreeMap<>();
        for (Entry e : entries.values()) if (e.shadow != null) dirs.put(e.shadowDir, e.shadowDirfd);
        return dirs;
    }

    /** Step 3 (validate): every stamp as first seen, else a conflict naming what changed. */
    void validate() throws IOException {
        List<Entry> all = new ArrayList<>(entries.values());
        ScratchPool.Lease lease = FileOps.SCRATCH.acquire(statx.SIZEOF * all.size());
        MemorySegment[] bufs = new MemorySegment[all.size()];
        Op[] ops = new Op[all.size()];
        for (int i = 0; i < ops.length; i++) {
            bufs[i] = lease.memory().asSlice(i * statx.SIZEOF, statx.SIZEOF);
            ops[i] = FileOps.statxOp(all.get(i).dirfd, all.get(i).path.leaf(), bufs[i]);
        }
        int[] r = store.ring.callBatch(ops); // a throw leaves the lease taken: the statx ops may still be in flight
        try {
            List<ConflictException.Change> changes = new ArrayList<>();
            for (int i = 0; i < ops.length; i++) {
                Entry e = all.get(i);
                VersionStamp now;
                try {
                    now = FileOps.stamp(r[i], bufs[i], e.path.path());
                } catch (NativeException ex) {
                    throw ex;
                } catch (IOException ex) { // became a symlink or a directory: someone else changed it
                    changes.add(new ConflictException.Change(e.path.path(), ex.getMessage()));
                    continue;
                }
                if (!now.equals(e.seen)) changes.add(new ConflictException.Change(e.path.path(), e.seen.describeChange(now)));
            }
            if (!changes.isEmpty()) throw new ConflictException(changes);
        } finally {
            lease.release();
        }
    }

    /**
     * Whether this commit may take the early-record path ({@link CommitProtocol}): it changes
     * more than one path, every change creates a file, and every shadow's content is known —
     * written by this transaction from its start, in order (no copy, truncate or map).
     */
    boolean contentKnown() {
        List<Entry> changed = changed();
        if (changed.size() < 2 || maps != null) return false; // mapped memory may still write any shadow: not followed
        for (Entry e : changed) {
            if (e.kind != Kind.CREATE || e.shadow == null || e.linksCommitted != null || e.inode == null || e.inode.known != e.shadowSize) {
                return false;
            }
        }
        return true;
    }

    /**
     * Step 1's ops without its directory syncs (also the early-record path's): per shadow inode
     * "fdatasync, then close whatever it returned", and a close for every other fd. The shadows
     * are closed by these ops: the caller must submit them.
     */
    Op[] shadowFlushOps(SyncPolicy sync) {
        java.util.Set<Object> inodes = new java.util.HashSet<>();
        List<Op> ops = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.shadowFd < 0) continue;
            Op data = inodes.add(e.inode) ? sync.shadowData(e.shadowFd, e.path.path()) : null;
            if (data != null) ops.add(data);
            ops.add(Op.close(e.shadowFd).describing(e.path.path()));
            e.shadowFd = -1;
        }
        return ops.toArray(Op[]::new);
    }

    /**
     * After a failed early-record write (nothing published): removes the shadows' names, so
     * that whatever became of the record, recovery finds them lost and rolls it back — never
     * publishing a shadow whose sync failed, which a later sync would wrongly report as done.
     */
    void forgetShadowNames() {
        for (Entry e : entries.values()) {
            if (e.shadow != null) store.ring.callRaw(Op.unlinkat(e.shadowDirfd, e.shadow, 0));
        }
    }

    /**
     * The renames and deletes that publish this transaction, in path order; with {@code content} (only when {@link #contentKnown()}), each create
     * also names its shadow's inode, size and CRC-32C, for a record written before its shadows
     * are durable.
     */
    CommitRecord record(boolean content) throws IOException {
        List<CommitRecord.Step> steps = new ArrayList<>();
        Map<ShadowInode, Long> inos = new java.util.IdentityHashMap<>();
        for (Entry e : entries.values()) {
            CommitRecord.Content c = null;
            if (content && e.kind == Kind.CREATE) {
                Long ino = inos.get(e.inode);
                if (ino == null) {
                    ino = e.inode.ino >= 0 ? e.inode.ino : fs.stamp(e.shadowDirfd, e.shadow, e.path.path()).ino();
                    inos.put(e.inode, ino);
                }
                c = new CommitRecord.Content(ino, e.shadowSize, e.inode.crc.getValue());
            }
            switch (e.kind) {
                case WRITE -> steps.add(new CommitRecord.Step(CommitRecord.Kind.REPLACE, e.path.parent(), e.shadowDir, e.shadow, e.path.leaf(), e.seen));
                case CREATE -> steps.add(new CommitRecord.Step(CommitRecord.Kind.CREATE, e.path.parent(), e.shadowDir, e.shadow, e.path.leaf(),
                        VersionStamp.ABSENT, c));
                case DELETE -> steps.add(CommitRecord.Step.delete(e.path.parent(), e.path.leaf(), e.seen));
                case NONE -> { }
            }
        }
        return new CommitRecord(steps);
    }

    /**
     * Step 5 (publish): one batch of renames and unlinks; returns the directories to sync
     * (path → fd) in stages. A rename across directories is durable once its target
     * directory is synced; were its source directory synced first, a crash in between could
     * keep the name's removal and lose its arrival. So target directories that are also the
     * source of such a rename are synced in a second stage, after the others.
     */
    List<Map<String, Integer>> publish() throws IOException {
        return publish(false);
    }

    /**
     * As {@link #publish()}; with {@code byLinks} (a deferred finish, {@link CommitProtocol}) every
     * change must be a create, published as a hard link of its shadow, which keeps its name until
     * the target directories are synced — a crash before then must still find every shadow, to
     * roll the record forward. Nothing leaves a source directory then: one stage.
     */
    List<Map<String, Integer>> publish(boolean byLinks) throws IOException {
        List<Entry> changed = changed();
        Op[] ops = new Op[changed.size()];
        for (int i = 0; i < ops.length; i++) ops[i] = byLinks ? linkOp(changed.get(i)) : publishOp(changed.get(i));
        java.util.Set<String> crossSources = new java.util.HashSet<>();
        if (!byLinks) for (Entry e : changed) if (e.shadow != null && !e.shadowDir.equals(e.path.parent())) crossSources.add(e.shadowDir);
        int[] r = store.ring.callBatch(ops);
        Map<String, Integer> touched = new TreeMap<>(), later = new TreeMap<>();
        IOException first = null;
        for (int i = 0; i < r.length; i++) {
            Entry e = changed.get(i);
            if (r[i] >= 0) {
                if (!byLinks) e.shadow = null; // published: nothing left to remove
                (crossSources.contains(e.path.parent()) ? later : touched).put(e.path.parent(), e.dirfd);
            } else if (first == null) {
                first = NativeException.of(ops[i].name(), e.path.path(), r[i]);
            }
        }
        if (first != null) throw first;
        return later.isEmpty() ? List.of(touched) : List.of(touched, later);
    }

    /** The directories this transaction's changes publish into. */
    java.util.Set<String> targetDirs() {
        java.util.Set<String> dirs = new java.util.TreeSet<>();
        for (Entry e : changed()) dirs.add(e.path.parent());
        return dirs;
    }

    /** Unlinks of every shadow name this transaction still has (a deferred finish's, once its targets are durable). */
    Op[] shadowUnlinks() {
        List<Op> ops = new ArrayList<>();
        for (Entry e : entries.values()) {
            // Not describing(): on a one-path op it would replace the path tracers (and the crash model) see.
            if (e.shadow != null && !e.sharesName) ops.add(Op.unlinkat(e.shadowDirfd, e.shadow, 0)); // a shared name once
        }
        return ops.toArray(Op[]::new);
    }

    /** Hands over this transaction's directory fds: the caller closes them ({@link #commit} then closes none; a deferred finish does). */
    Map<String, Integer> detachDirs() {
        Map<String, Integer> mine = new HashMap<>(dirs);
        dirs.clear();
        return mine;
    }

    private List<Entry> changed() {
        return entries.values().stream().filter(e -> e.kind != Kind.NONE).toList();
    }

    /** A create published as a hard link: linkat never replaces, so a target that appeared since validation fails it, as RENAME_NOREPLACE would. */
    private static Op linkOp(Entry e) {
        if (e.kind != Kind.CREATE || e.shadow == null) throw new IllegalStateException("publish by links: " + e.path.path() + " is not a create");
        return new Op().prepLinkat(e.shadowDirfd, e.shadow, e.dirfd, e.path.leaf(), 0).describing(e.path.path());
    }

    private static Op publishOp(Entry e) {
        Op op = switch (e.kind) {
            case WRITE -> Op.renameat(e.shadowDirfd, e.shadow, e.dirfd, e.path.leaf(), 0);
            case CREATE -> Op.renameat(e.shadowDirfd, e.shadow, e.dirfd, e.path.leaf(), RENAME_NOREPLACE);
            case DELETE -> Op.unlinkat(e.dirfd, e.path.leaf(), 0);
            case NONE -> throw new AssertionError();
        };
        return op.describing(e.path.path());
    }

    /**
     * Step 5 for a transaction that changes one path: publishes it and syncs its directory,
     * in one linked submission when {@link GroupSync} can ({@link GroupSync#changeThenSync}).
     * The target directory alone is synced, as {@link #publish} would: a lone rename's source
     * directory is never also its target.
     *
     * @throws NativeException the change failed: nothing was published
     * @throws DurabilityUnknown published, but its directory could not be synced
     */
    void publishOne(SyncPolicy sync, GroupSync groupSync) throws IOException {
        List<Entry> changed = changed();
        if (changed.size() != 1) throw new IllegalStateException("publishOne with " + changed.size() + " changes");
        Entry e = changed.getFirst();
        Op op = publishOp(e);
        int r;
        try {
            r = sync.changeThenSync(groupSync, store.groupFlush, e.path.parent(), e.dirfd, op, store.ring);
        } catch (DurabilityUnknown notDurable) {
            e.shadow = null;
            throw notDurable;
        }
        if (r < 0) throw NativeException.of(op.name(), e.path.path(), r);
        e.shadow = null; // published: nothing left to remove
    }

    /** Published, but not made durable: the cause is the failed directory sync. */
    static final class DurabilityUnknown extends IOException {
        DurabilityUnknown(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
