package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Op;
import io.txring.uring.NativeException;
import io.txring.uring.generated.Errno;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * One store handle's commit records, as blocks of one file: {@code .txring/journal/log-<slot>},
 * {@code slot} being the handle's owner slot. Issue 14 §2: a record file per commit cost an
 * inode, a name, two renames, its own {@code fdatasync} and a share of a journal-directory
 * fsync; a block of a file created once costs a {@code pwrite}, and one {@code fdatasync} of
 * the log makes every record of a flush batch durable.
 *
 * <h2>Blocks</h2>
 * The file is an array of {@value #BLOCK}-byte blocks, zero-filled and synced (with its name)
 * when the handle first needs it. A block holds one record ({@link CommitRecord} v4 text,
 * checksummed, then zeros to the block's end) or nothing: its first byte is 0. A record is
 * written whole into an empty block and removed by zeroing the block's first
 * {@value #CLEARED} bytes, which leaves no valid checksum. Every block starts with bytes this
 * code wrote — the start of a record or zeros — so a record's paths, which a user chooses, can
 * never be read as the start of another one. Records larger than a block go to a file of
 * their own ({@link Journal}).
 *
 * <h2>Who writes which block</h2>
 * Only the holder of the slot writes records, and only into a block it saw empty and has not
 * handed out; it removes its own records. Another process that adopts an orphan in this log
 * (under the orphan's commit locks) zeroes that block — never a block the holder may write:
 * the holder keeps ({@link #keep}) every block it found holding a record when it opened the
 * log (a dead handle's orphans), and every block of a record it abandoned. Linux serializes
 * writes to one file (the inode lock), so an adopter's zeroing never interleaves with a
 * record's write.
 *
 * <h2>Durability of removals</h2>
 * A removal is durable once an {@code fdatasync} of this log that started after it completed;
 * {@link CommitMarks} counts removals per log, so any process can tell whether a range's last
 * removal is durable and, if not, sync this file by name ({@link Journal#syncRemovalsOf}).
 * At close the log is synced if a removal is not yet, and unlinked when no record is left in
 * it; a lone open replays every log and unlinks them all.
 */
final class RecordLog implements AutoCloseable {
    /** Bytes per block: one page, so a record's write touches one page of the page cache. */
    static final int BLOCK = 4096;
    /** Bytes zeroed to remove a record: one sector, the record's start (its checksum line is then gone too). */
    static final int CLEARED = 512;
    /** Blocks a new log is created with (256 KiB): more than the commits one handle runs at once. */
    static final int INITIAL_BLOCKS = 64;
    static final String PREFIX = "log-";
    private static final byte[] ZEROS = new byte[CLEARED];
    private static final System.Logger LOG = System.getLogger(RecordLog.class.getName());

    private final Store store;
    private final int journalFd;
    private final CommitMarks marks;
    private final SyncPolicy sync;
    private final GroupSync syncs;
    final int slot;
    final String name, key;
    /** The log's fd, -1 until the first record (a handle that never writes a record never creates a log). */
    private volatile int fd = -1;
    /** Guarded by this: the blocks in the file, the empty ones not handed out (last freed first: warm pages), the kept ones. */
    private int blocks;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final Set<Integer> kept = new HashSet<>();

    RecordLog(Store store, int journalFd, CommitMarks marks, SyncPolicy sync, GroupSync syncs, int slot) {
        this.store = store;
        this.syncs = syncs;
        this.journalFd = journalFd;
        this.marks = marks;
        this.sync = sync;
        this.slot = slot;
        this.name = fileName(slot);
        this.key = Journal.DIR + "/" + name;
    }

    static String fileName(int slot) {
        return PREFIX + slot;
    }

    /** The owner slot whose log {@code fileName} is, or -1 if it is not a log's name. */
    static int slotOf(String fileName) {
        if (!fileName.startsWith(PREFIX)) return -1;
        try {
            int s = Integer.parseInt(fileName.substring(PREFIX.length()));
            return s >= 0 && s < LockTable.OWNER_SLOTS && fileName.equals(fileName(s)) ? s : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether a {@link GroupFlush} key names a log (synced with {@code fdatasync}: its size and blocks are all it needs). */
    static boolean isLogKey(String key) {
        return key.startsWith(Journal.DIR + "/" + PREFIX);
    }

    /** Whether a block holds a whole record (a valid checksum; what it says is checked when it is adopted). */
    private static boolean holdsRecord(byte[] block) {
        byte[] c = content(block);
        return c.length > 0 && CommitRecord.checksumValid(c);
    }

    /** The content of a block as read (a record's text, up to its first zero byte); empty when the block is. */
    static byte[] content(byte[] block) {
        int end = 0;
        while (end < block.length && block[end] != 0) end++;
        return end == block.length ? block : Arrays.copyOf(block, end);
    }

    int fd() {
        return fd;
    }

    /** An empty block for a record, opening or growing the log first if needed. */
    synchronized int take() throws IOException {
        if (fd < 0) open();
        if (free.isEmpty()) grow(INITIAL_BLOCKS);
        return free.pop();
    }

    /** Hands an emptied block back (the record's removal wrote it). */
    synchronized void give(int block) {
        free.push(block);
    }

    /** A block this handle must never write again (an abandoned record's: someone adopts it). */
    synchronized void keep(int block) {
        kept.add(block);
    }

    /**
     * Whether a block this handle keeps still holds a record; blocks an adopter has emptied
     * meanwhile go back to the free ones (a record written there later is written after the
     * adopter's zeros: writes to one file are serialized).
     */
    synchronized boolean holdsKept() {
        if (fd < 0) return false;
        for (var it = kept.iterator(); it.hasNext(); ) {
            int b = it.next();
            byte[] block;
            try {
                block = store.fs.readAt(fd, (long) b * BLOCK, BLOCK, shown());
            } catch (NativeException e) {
                return true; // cannot tell: keep it
            }
            if (!holdsRecord(block)) {
                it.remove();
                free.push(b);
            }
        }
        return !kept.isEmpty();
    }

    /** Writes {@code record} whole into {@code block} (zeros after it): one {@code pwrite}, not synced here. */
    int write(int block, byte[] record) {
        byte[] whole = Arrays.copyOf(record, BLOCK); // no old bytes after the record's end
        return store.fs.writeOnce(fd, whole, (long) block * BLOCK);
    }

    /** Removes the record in {@code block}: zeroes its start (not synced: see {@link CommitMarks}). */
    int clear(int block) {
        return clear(block, store.ring);
    }

    /** As {@link #clear(int)}, on {@code via} (the flusher's ring, for a deferred finish). */
    int clear(int block, io.txring.core.Ring via) {
        return FileOps.writeOnce(via, fd, ZEROS, (long) block * BLOCK);
    }

    /**
     * Opens or creates the log. A log left by a dead handle of this slot keeps its records
     * (orphans: whoever meets them adopts them) and its empty blocks are reused; then the file
     * is filled to {@link #INITIAL_BLOCKS}, and it and its name are synced before a record in it
     * may count.
     */
    private void open() throws IOException {
        String shown = shown();
        int f = store.fs.open(journalFd, name, O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600, shown);
        try {
            byte[] all = store.fs.readAll(f, 0, shown);
            int n = all.length / BLOCK;
            for (int b = n - 1; b >= 0; b--) {
                if (holdsRecord(Arrays.copyOfRange(all, b * BLOCK, (b + 1) * BLOCK))) kept.add(b); // a dead handle's: never ours to write
                else free.push(b); // empty or torn: a record is only ever written whole after this (writes to one file are serialized)
            }
            blocks = n;
            fd = f;
            if (blocks < INITIAL_BLOCKS) grow(INITIAL_BLOCKS - blocks);
            if (sync.tracksRemovals()) {
                store.fs.check(store.ring.callRaw(Op.fdatasync(f)), "fdatasync", shown); // its zeros and size
                store.fs.check(store.ring.callRaw(Op.fsync(journalFd)), "fsync", ".txring/journal"); // its name
            }
        } catch (IOException | RuntimeException e) {
            fd = -1;
            store.ring.callRaw(Op.close(f));
            free.clear();
            kept.clear();
            throw e;
        }
        if (!kept.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "txring store {0}: {1} holds {2} records of a handle that died; they are adopted as they are met",
                    store.root, shown, kept.size());
        }
    }

    /** Appends {@code n} zeroed blocks (synced by the next record's {@code fdatasync}, which covers the size). */
    private void grow(int n) throws NativeException {
        store.fs.writeAll(fd, new byte[n * BLOCK], (long) blocks * BLOCK, shown());
        for (int b = blocks + n - 1; b >= blocks; b--) free.push(b);
        blocks += n;
    }

    private String shown() {
        return ".txring/journal/" + name;
    }

    /**
     * At close, with no commit running: syncs the log if a removal in it is not durable yet,
     * then unlinks it when it holds no record (an empty log coming back after a crash is
     * harmless), and closes it. A log that still holds an abandoned record stays for its adopter.
     */
    @Override
    public synchronized void close() {
        int f = fd;
        if (f < 0) return;
        boolean synced = true;
        if (syncs.poisoned(key)) {
            synced = false; // a sync of it failed once: a later one that succeeds proves nothing (fsyncgate)
            LOG.log(System.Logger.Level.WARNING, "txring store {0}: a sync of {1} failed earlier; the log is kept for the next lone open",
                    store.root, shown());
        } else if (sync.tracksRemovals() && marks.removals(slot) > marks.syncedRemovals(slot)) {
            long before = marks.removals(slot);
            int r = store.ring.callRaw(Op.fdatasync(f));
            if (r < 0) {
                synced = false; // never retried: the next lone open replays what it finds, version-checked
                LOG.log(System.Logger.Level.WARNING, "txring store {0}: fdatasync of {1} at close failed with errno {2}; the log is kept",
                        store.root, shown(), -r);
            } else {
                marks.synced(slot, before);
            }
        }
        if (synced && !holdsKept()) {
            int r = store.ring.callRaw(Op.unlinkat(journalFd, name, 0));
            if (r < 0 && r != -Errno.ENOENT) {
                LOG.log(System.Logger.Level.WARNING, "txring store {0}: could not unlink {1} at close: errno {2}", store.root, shown(), -r);
            }
        }
        fd = -1;
        store.ring.callRaw(Op.close(f));
    }
}
