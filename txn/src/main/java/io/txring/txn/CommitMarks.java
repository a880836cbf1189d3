package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Op;
import io.txring.uring.generated.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * What every process with the store open knows about each commit-lock range, in
 * {@code .txring/marks}, a file all of them map shared. One 8-byte word per range of
 * {@link LockTable}, written only by a holder of that range's commit lock:
 * <ul>
 *   <li>{@code 0} — no commit record names a path of this range;</li>
 *   <li>{@link #PENDING} — a commit record naming a path of this range may exist. Seen by a
 *       holder of the range's lock, it means an <em>orphan</em>: its committer is dead or failed,
 *       since a live committer keeps the lock until the record is gone;</li>
 *   <li>{@code g > 0} — the last record naming this range was removed as removal number
 *       {@code n = g >>> }{@value #ID_BITS} of the place {@code id = g & }{@link #ID_MASK} it
 *       was in: a handle's record log ({@link RecordLog}; {@code id} is its owner slot) or, for a
 *       record too large for a block, the journal directory ({@link #JOURNAL_DIR}). The removal
 *       is durable once an fdatasync of that log (a fsync of that directory) that started after
 *       it has completed ({@link #syncedRemovals(int)} ≥ n).</li>
 * </ul>
 * The header holds, per place, the removals counted so far and the highest count a completed
 * sync covered.
 * The words live in the page cache: they survive a process's death, not a power cut. So a
 * lone open (after a reboot, or when every process died) starts them from zero and replays
 * the whole journal, which needs no word.
 */
final class CommitMarks implements AutoCloseable {
    static final long PENDING = -1;
    /** Where a removal happened: an owner slot's record log, or this id for the journal directory (a record file). */
    static final int JOURNAL_DIR = LockTable.OWNER_SLOTS;
    static final int ID_BITS = 13, ID_MASK = (1 << ID_BITS) - 1;
    private static final long RECOVERED_AT = 0, RANGES_AT = 64, COUNTERS_AT = RANGES_AT + 8L * LockTable.RANGES;
    /** The header word a lone opener sets once its full replay finished: the words are then meaningful. */
    private static final long RECOVERED = 0x7478_7269_6e67_5232L; // "txringR2": per-log removal counters (R1 had one)
    static final long SIZE = COUNTERS_AT + 16L * (JOURNAL_DIR + 1);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final Arena arena;
    private final MemorySegment words;

    private CommitMarks(Arena arena, MemorySegment words) {
        this.arena = arena;
        this.words = words;
    }

    /**
     * Maps {@code .txring/marks} (created 0600, never through a symlink), first making sure
     * every page of it is allocated: a store on a full filesystem must fail here with ENOSPC,
     * not later with SIGBUS when a write to a sparse page of the mapping finds no room. With
     * {@code reset} — only a lone opener, whom nobody else can be mapping — every word starts
     * at zero: the file is cut to nothing and allocated again (fallocate writes no data).
     */
    static CommitMarks open(Store store, boolean reset) throws IOException {
        String shown = ".txring/marks";
        int fd = store.fs.open(store.rootFd, shown, O_CREAT | O_RDWR | O_NOFOLLOW, 0600, shown);
        try {
            if (reset) store.fs.check(store.ring.callRaw(new Op().prepFtruncate(fd, 0)), "ftruncate", shown);
            int r = store.ring.callRaw(new Op().prepFallocate(fd, 0, 0, SIZE));
            if (r == -Errno.EOPNOTSUPP) { // no fallocate here: allocate by writing the zeros
                store.fs.writeAll(fd, new byte[(int) SIZE], 0, shown);
            } else {
                store.fs.check(r, "fallocate", shown);
            }
        } finally {
            store.ring.callRaw(Op.close(fd));
        }
        try (FileChannel ch = FileChannel.open(store.root.resolve(shown), Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS))) {
            if (ch.size() < SIZE) throw new IOException(shown + " is shorter than " + SIZE + " bytes after its allocation");
            Arena arena = Arena.ofShared(); // closing it unmaps
            return new CommitMarks(arena, ch.map(FileChannel.MapMode.READ_WRITE, 0, SIZE, arena));
        }
    }

    /** Set by a lone opener after its replay: until then (it may die or fail mid-way) nobody may trust the words. */
    void markRecovered() {
        LONG.setVolatile(words, RECOVERED_AT, RECOVERED);
    }

    boolean recovered() {
        return (long) LONG.getVolatile(words, RECOVERED_AT) == RECOVERED;
    }

    long get(int range) {
        return (long) LONG.getVolatile(words, RANGES_AT + 8L * range);
    }

    /** Set before a record naming this range is created (the writer holds the range's lock). */
    void setPending(int range) {
        LONG.setVolatile(words, RANGES_AT + 8L * range, PENDING);
    }

    /** Set after the record was unlinked as removal {@code generation}. */
    void setRemoved(int range, long generation) {
        LONG.setVolatile(words, RANGES_AT + 8L * range, generation);
    }

    void clear(int range) {
        LONG.setVolatile(words, RANGES_AT + 8L * range, 0L);
    }

    private static long removalsAt(int id) {
        return COUNTERS_AT + 16L * id;
    }

    private static long syncedAt(int id) {
        return COUNTERS_AT + 16L * id + 8;
    }

    /**
     * Numbers a record removal in place {@code id} (a log's slot, or {@link #JOURNAL_DIR}) and
     * returns the word for its ranges; call after the removal's write, so a sync that reads a
     * later count covers it.
     */
    long nextRemoval(int id) {
        long n = (long) LONG.getAndAdd(words, removalsAt(id), 1L) + 1;
        return n << ID_BITS | id;
    }

    /** The removals counted so far in {@code id}: read before a sync of it starts, passed to {@link #synced} after it succeeded. */
    long removals(int id) {
        return (long) LONG.getVolatile(words, removalsAt(id));
    }

    /** Every removal in {@code id} up to number {@code n} is durable (a sync that began after it completed). */
    void synced(int id, long n) {
        long now;
        do {
            now = (long) LONG.getVolatile(words, syncedAt(id));
        } while (now < n && !LONG.compareAndSet(words, syncedAt(id), now, n));
    }

    long syncedRemovals(int id) {
        return (long) LONG.getVolatile(words, syncedAt(id));
    }

    /** The place of the removal a word names ({@code word > 0}). */
    static int placeOf(long word) {
        return (int) (word & ID_MASK);
    }

    /** True when the word for a range says its last record's removal may not be durable yet. */
    boolean removalUnsynced(long word) {
        return word > 0 && (word >>> ID_BITS) > syncedRemovals(placeOf(word));
    }

    @Override
    public void close() {
        arena.close();
    }
}
