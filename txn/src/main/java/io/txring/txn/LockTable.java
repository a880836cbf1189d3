package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Op;
import io.txring.core.Ring;
import io.txring.uring.NativeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Commit locks: each path maps to one byte range of {@code <root>/.txring/lock} (its
 * hash modulo {@link #RANGES}). A commit takes, in ascending range order, the range's
 * in-process lock and then its OFD byte-range lock, so no two committers — threads or
 * processes — wait on each other in a cycle. OFD locks belong to the open file
 * description all threads of this store share, so the in-process lock per range is what
 * keeps one thread from releasing a range another thread of the same process relies on.
 *
 * <p>The in-process lock is a one-permit semaphore, not a {@code ReentrantLock}: a commit whose
 * last step is deferred ({@link GroupFlush#defer}) hands its locks to the flusher thread, which
 * releases them; and no thread may take a range again while its own deferred commit holds it.
 * A thread that finds a range taken calls the contention hook first (the flusher then finishes
 * its deferred commits at once instead of after their delay).
 */
final class LockTable {
    /** Byte ranges on the lock file. */
    static final int RANGES = 1 << 14; // 16,384: each has an 8-byte word in .txring/marks (128 KiB, allocated)

    private static final System.Logger LOG = System.getLogger(LockTable.class.getName());
    private final ConcurrentHashMap<Integer, Semaphore> local = new ConcurrentHashMap<>();
    private final Ring ring;
    private final int lockFd;
    /** Run when a range is found taken in this process: see the class comment. */
    private volatile Runnable contended = () -> { };

    LockTable(Ring ring, int lockFd) {
        this.ring = ring;
        this.lockFd = lockFd;
    }

    /** Sets what runs when a thread finds a range taken in this process (before it waits). */
    void onContention(Runnable hook) {
        contended = hook;
    }

    /** What one commit holds; closing releases it in reverse order, from any thread, once. */
    final class Held implements AutoCloseable {
        private final List<Integer> ranges = new ArrayList<>();
        private final List<Boolean> ofdHeld = new ArrayList<>();

        /** The ranges held, ascending. */
        List<Integer> ranges() {
            return ranges;
        }

        /**
         * Never throws: it runs in finally blocks, where it must not mask the failure in flight,
         * and every in-process permit must be released whatever the OFD unlock did (else this
         * process's next committer on the range waits forever).
         */
        @Override
        public void close() {
            for (int i = ranges.size() - 1; i >= 0; i--) {
                try {
                    // A 1-byte unlock splits nothing and cannot fail; if it did (or the ring broke), the byte stays this handle's
                    // until its lock file closes: other processes wait on the range, none is lost.
                    int r = ofdHeld.get(i) ? ofd(F_OFD_SETLK, F_UNLCK, ranges.get(i)) : 0;
                    if (r < 0) LOG.log(System.Logger.Level.WARNING, "txring: unlocking range " + ranges.get(i) + " of .txring/lock failed: "
                            + NativeException.of("fcntl(F_OFD_SETLK)", ".txring/lock", r).getMessage() + "; held until the store closes");
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "txring: unlocking range " + ranges.get(i) + " of .txring/lock failed; held until the store closes", e);
                } finally {
                    local.get(ranges.get(i)).release();
                }
            }
            ranges.clear(); // a second close releases nothing: a permit released twice would admit two holders
            ofdHeld.clear();
        }
    }

    /** The range of {@code path}: the same in every process (String.hashCode is specified). */
    static int rangeOf(String path) {
        return Math.floorMod(path.hashCode(), RANGES);
    }

    static TreeSet<Integer> rangesOf(Collection<String> paths) {
        TreeSet<Integer> ranges = new TreeSet<>();
        for (String p : paths) ranges.add(rangeOf(p));
        return ranges;
    }

    Held acquire(Collection<String> paths) throws NativeException {
        return acquireRanges(rangesOf(paths));
    }

    /** Takes the locks of {@code ranges} in ascending order (blocking). */
    Held acquireRanges(java.util.SortedSet<Integer> ranges) throws NativeException {
        Held held = new Held();
        try {
            for (int r : ranges) {
                Semaphore s = local.computeIfAbsent(r, k -> new Semaphore(1));
                if (!s.tryAcquire()) {
                    contended.run(); // perhaps a deferred commit of ours holds it: finish those now
                    s.acquireUninterruptibly();
                }
                held.ranges.add(r);
                held.ofdHeld.add(false);
                int res = lockRange(r); // waits while another handle or process commits on this range
                if (res < 0) throw NativeException.of("fcntl(F_OFD_SETLKW)", ".txring/lock", res);
                held.ofdHeld.set(held.ofdHeld.size() - 1, true);
            }
        } catch (NativeException | RuntimeException | Error e) { // e.g. the ring broke: no permit may stay taken
            held.close();
            throw e;
        }
        return held;
    }

    /**
     * Write-locks range {@code r} of the lock file. A platform thread waits in the kernel
     * (F_OFD_SETLKW); a virtual thread must not — a blocking downcall pins its carrier, and with
     * two handles in one process every carrier could end up waiting for a range held by an
     * unmounted virtual thread of the other — so it polls (F_OFD_SETLK) and parks between tries.
     */
    private int lockRange(int r) {
        if (!Thread.currentThread().isVirtual()) return ofd(F_OFD_SETLKW, F_WRLCK, r);
        long pause = 20_000;
        for (;;) {
            int res = ofd(F_OFD_SETLK, F_WRLCK, r);
            if (res != -io.txring.uring.generated.Errno.EAGAIN && res != -io.txring.uring.generated.Errno.EACCES) return res;
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 1_000_000);
        }
    }

    /** The byte past the path ranges: every open store holds it shared; recovery needs it exclusive. */
    private static final int LIVENESS = RANGES;

    /** Takes the liveness byte exclusively if no other process has the store open. */
    boolean tryExclusive() {
        return ofd(F_OFD_SETLK, F_WRLCK, LIVENESS) == 0;
    }

    /** Holds the liveness byte shared (downgrading an exclusive hold), waiting out a recovery elsewhere. */
    void holdShared() throws NativeException {
        int r = ofd(F_OFD_SETLKW, F_RDLCK, LIVENESS);
        if (r < 0) throw NativeException.of("fcntl(F_OFD_SETLKW)", ".txring/lock", r);
    }

    /** Bytes past the liveness byte: one per open store handle, held exclusively while it is open. */
    private static final int OWNER_BASE = LIVENESS + 1;
    static final int OWNER_SLOTS = 4096;

    /**
     * Claims a free owner slot: its byte is write-locked by this handle's open file description
     * until the lock file is closed (or the process dies), which is what makes liveness exact.
     */
    int claimOwnerSlot(int start) throws NativeException {
        for (int i = 0; i < OWNER_SLOTS; i++) {
            int slot = Math.floorMod(start + i, OWNER_SLOTS);
            if (ofd(F_OFD_SETLK, F_WRLCK, OWNER_BASE + slot) == 0) return slot;
        }
        throw NativeException.of("fcntl(F_OFD_SETLK)", ".txring/lock: all " + OWNER_SLOTS + " owner slots are held", -io.txring.uring.generated.Errno.EAGAIN);
    }

    /** Whether another open file description (a live store handle, here or elsewhere) holds owner slot {@code slot}. */
    boolean ownerHeldElsewhere(int slot) throws NativeException {
        int r = ofd(F_OFD_GETLK, F_WRLCK, OWNER_BASE + slot);
        if (r < 0) throw NativeException.of("fcntl(F_OFD_GETLK)", ".txring/lock", r);
        return r != F_UNLCK;
    }

    /** Lets go of the liveness byte (to try for it exclusively again). */
    void releaseLiveness() {
        ofd(F_OFD_SETLK, F_UNLCK, LIVENESS);
    }

    private int ofd(int cmd, int type, int range) {
        int r;
        do {
            r = ring.callRaw(new Op().prepOfdLock(lockFd, cmd, type, range, 1)); // runs on this thread, any ring mode; faults and tracers see it
        } while (r == -io.txring.uring.generated.Errno.EINTR);
        return r;
    }
}
