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
 *   <li>{@code g > 0} — the last record naming this range was unlinked as removal {@code g};
 *       the removal is durable once a journal fsync that started after it has completed
 *       ({@link #syncedRemovals()} ≥ g).</li>
 * </ul>
 * The words live in the page cache: they survive a process's death, not a power cut. So a
 * lone open (after a reboot, or when every process died) starts them from zero and replays
 * the whole journal, which needs no word.
 */
final class CommitMarks implements AutoCloseable {
    static final long PENDING = -1;
    private static final long RECOVERED_AT = 0, REMOVALS_AT = 8, SYNCED_AT = 16, RANGES_AT = 64;
    /** The header word a lone opener sets once its full replay finished: the words are then meaningful. */
    private static final long RECOVERED = 0x7478_7269_6e67_5231L; // "txringR1"
    static final long SIZE = RANGES_AT + 8L * LockTable.RANGES;
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

    /** Numbers a record removal; call after the unlink, so a journal fsync that reads a later count covers it. */
    long nextRemoval() {
        return (long) LONG.getAndAdd(words, REMOVALS_AT, 1L) + 1;
    }

    /** The removals counted so far: read before a journal fsync starts, passed to {@link #synced} after it succeeded. */
    long removals() {
        return (long) LONG.getVolatile(words, REMOVALS_AT);
    }

    /** Every removal up to {@code generation} is durable (a journal fsync that began after it completed). */
    void synced(long generation) {
        long now;
        do {
            now = (long) LONG.getVolatile(words, SYNCED_AT);
        } while (now < generation && !LONG.compareAndSet(words, SYNCED_AT, now, generation));
    }

    long syncedRemovals() {
        return (long) LONG.getVolatile(words, SYNCED_AT);
    }

    /** True when the word for {@code range} says its last record's removal may not be durable yet. */
    boolean removalUnsynced(long word) {
        return word > 0 && word > syncedRemovals();
    }

    @Override
    public void close() {
        arena.close();
    }
}
