package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.txring.uring.LibC;
import io.txring.uring.NativeException;
import io.txring.uring.generated.flock;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Commit locks: an in-process lock per path, then a cross-process OFD byte-range lock per
 * path hash on {@code <root>/.txring/lock}, both taken in sorted order (so two committers
 * never wait on each other in a cycle). OFD locks belong to the open file description,
 * which all threads of this store share — hence the in-process table first.
 */
final class LockTable {
    /** Byte ranges on the lock file: a path's range is its hash modulo this. */
    static final int RANGES = 1 << 16;

    private final ConcurrentHashMap<String, ReentrantLock> local = new ConcurrentHashMap<>();
    private final int lockFd;

    LockTable(int lockFd) {
        this.lockFd = lockFd;
    }

    /** What one commit holds. */
    final class Held implements AutoCloseable {
        private final List<ReentrantLock> locks;
        private final TreeSet<Integer> ranges;

        private Held(List<ReentrantLock> locks, TreeSet<Integer> ranges) {
            this.locks = locks;
            this.ranges = ranges;
        }

        @Override
        public void close() {
            for (int r : ranges.descendingSet()) ofd(F_OFD_SETLK, F_UNLCK, r);
            for (int i = locks.size() - 1; i >= 0; i--) locks.get(i).unlock();
        }
    }

    Held acquire(Collection<String> paths) throws NativeException {
        TreeSet<String> sorted = new TreeSet<>(paths);
        List<ReentrantLock> taken = new ArrayList<>(sorted.size());
        TreeSet<Integer> ranges = new TreeSet<>();
        for (String p : sorted) {
            ReentrantLock l = local.computeIfAbsent(p, k -> new ReentrantLock());
            l.lock();
            taken.add(l);
            ranges.add(Math.floorMod(p.hashCode(), RANGES));
        }
        Held held = new Held(taken, new TreeSet<>());
        try {
            for (int r : ranges) {
                int res = ofd(F_OFD_SETLKW, F_WRLCK, r); // blocks while another process commits on this range
                if (res < 0) throw NativeException.of("fcntl(F_OFD_SETLKW)", ".txring/lock", res);
                held.ranges.add(r);
            }
        } catch (NativeException e) {
            held.close();
            throw e;
        }
        return held;
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

    private int ofd(int cmd, int type, int range) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fl = a.allocate(flock.LAYOUT);
            fl.set(JAVA_SHORT, flock.l_type$OFFSET, (short) type);
            fl.set(JAVA_SHORT, flock.l_whence$OFFSET, (short) SEEK_SET);
            fl.set(JAVA_LONG, flock.l_start$OFFSET, range);
            fl.set(JAVA_LONG, flock.l_len$OFFSET, 1);
            int r;
            do {
                r = LibC.fcntlLock(lockFd, cmd, fl);
            } while (r == -io.txring.uring.generated.Errno.EINTR);
            return r;
        }
    }
}
