package io.txring.txn;

import io.txring.core.Op;
import io.txring.core.Ring;
import io.txring.uring.NativeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for directory fsyncs: a committer registers after its change and needs one
 * fsync of the directory that starts after that. If one is running, it waits for the next;
 * the next one serves every committer registered so far. Concurrent commits into one
 * directory thus share an fsync instead of queueing one each, and the fsyncs one commit
 * needs in several directories go to the kernel together, in one submission.
 *
 * <p>A failed fsync poisons its directory for the life of the store: later fsyncs could
 * succeed while the failed data is gone (fsyncgate), so none is trusted again.
 */
final class GroupSync {
    private static final class Dir {
        final String key;
        // A j.u.c lock, not a monitor: a virtual thread woken from Object.wait takes an extra hop through the JDK's unblocker.
        final ReentrantLock lock = new ReentrantLock();
        final Condition changed = lock.newCondition();
        long requested;
        long completed;
        boolean running;
        IOException poisoned;

        Dir(String key) {
            this.key = key;
        }
    }

    /** One directory a caller needs synced: its ticket, and the fsync it leads, if any. */
    private static final class Need {
        final Dir dir;
        final int fd;
        final long ticket;
        long target = -1;

        Need(Dir dir, int fd, long ticket) {
            this.dir = dir;
            this.fd = fd;
            this.ticket = ticket;
        }
    }

    private final Ring ring;
    private final ConcurrentHashMap<String, Dir> dirs = new ConcurrentHashMap<>();
    final AtomicLong requests = new AtomicLong(), fsyncs = new AtomicLong();

    GroupSync(Ring ring) {
        this.ring = ring;
    }

    /** Makes the entries of directory {@code key} (open as {@code fd}) durable. */
    void sync(String key, int fd) throws IOException {
        syncAll(Map.of(key, fd));
    }

    /**
     * Runs {@code change} (an op on an entry of directory {@code key}, open as {@code fd}),
     * then makes that directory durable. When no fsync of it is running, the change and the
     * fsync go out as one linked chain — one round trip, the fsync starting only after the
     * change succeeded — and the fsync also serves every committer registered before it.
     * Otherwise the change runs alone and waits for the next shared fsync, as {@link #syncAll}.
     *
     * @return the change's result; when it failed ({@code -errno}) nothing was synced
     * @throws IOException only when the change succeeded and the directory could not be synced
     */
    int changeThenSync(String key, int fd, Op change) throws IOException {
        Dir d = dirs.computeIfAbsent(key, Dir::new);
        long target = -1;
        // A routed change would take its linked fsync with it onto the submitting thread: run it alone.
        boolean chain = !ring.routesToSyscall(change.opcode());
        d.lock.lock();
        try {
            if (chain && !d.running && d.poisoned == null) {
                requests.incrementAndGet();
                d.running = true;
                target = ++d.requested; // covers every committer registered so far: their changes are done
            }
        } finally {
            d.lock.unlock();
        }
        if (target < 0) {
            int r = ring.callRaw(change);
            if (r >= 0) syncAll(Map.of(key, fd));
            return r;
        }
        int[] res;
        try {
            res = ring.callChain(change, Op.fsync(fd).describing(shown(d))); // fsync runs only if the change succeeded
        } catch (RuntimeException e) {
            d.lock.lock();
            try {
                d.running = false;
                d.changed.signalAll();
            } finally {
                d.lock.unlock();
            }
            throw e;
        }
        d.lock.lock();
        try {
            d.running = false;
            if (res[0] >= 0) {
                fsyncs.incrementAndGet();
                if (res[1] < 0) d.poisoned = NativeException.of("fsync", shown(d), res[1]);
                else d.completed = Math.max(d.completed, target);
            }
            d.changed.signalAll(); // a cancelled fsync leaves waiters to lead the next one themselves
            if (res[0] >= 0 && d.poisoned != null) throw new IOException("fsync of directory \"" + shown(d) + "\" failed", d.poisoned);
        } finally {
            d.lock.unlock();
        }
        return res[0];
    }

    /** Makes the entries of every directory in {@code byKey} (path → open fd) durable. */
    void syncAll(Map<String, Integer> byKey) throws IOException {
        List<Need> pending = new ArrayList<>();
        for (var e : byKey.entrySet()) {
            requests.incrementAndGet();
            Dir d = dirs.computeIfAbsent(e.getKey(), Dir::new);
            d.lock.lock();
            try {
                pending.add(new Need(d, e.getValue(), ++d.requested));
            } finally {
                d.lock.unlock();
            }
        }
        IOException failure = null;
        while (!pending.isEmpty()) {
            List<Need> lead = new ArrayList<>();
            long covered = 0; // changes the fsyncs this round leads make durable (for the JFR event)
            Need wait = null;
            for (var it = pending.iterator(); it.hasNext(); ) {
                Need n = it.next();
                n.dir.lock.lock();
                try {
                    if (n.dir.poisoned != null) {
                        if (failure == null) failure = new IOException("fsync of directory \"" + shown(n.dir) + "\" failed", n.dir.poisoned);
                        it.remove();
                    } else if (n.dir.completed >= n.ticket) {
                        it.remove();
                    } else if (!n.dir.running) {
                        n.dir.running = true;
                        n.target = n.dir.requested; // starts after every registered change: covers them all
                        covered += n.target - n.dir.completed;
                        lead.add(n);
                        it.remove();
                    } else if (wait == null) {
                        wait = n;
                    }
                } finally {
                    n.dir.lock.unlock();
                }
            }
            if (!lead.isEmpty()) {
                fsyncs.addAndGet(lead.size());
                TxnEvents.SyncBatch ev = TxnEvents.syncBatches() ? new TxnEvents.SyncBatch() : null;
                if (ev != null) ev.begin();
                int[] res;
                try {
                    res = ring.callBatch(lead.stream().map(n -> Op.fsync(n.fd).describing(shown(n.dir))).toArray(Op[]::new));
                } catch (RuntimeException e) { // e.g. the ring closed: waiters must not wait for a leader that is gone
                    for (Need n : lead) {
                        n.dir.lock.lock();
                        try {
                            n.dir.running = false;
                            n.dir.changed.signalAll();
                        } finally {
                            n.dir.lock.unlock();
                        }
                    }
                    throw e;
                }
                for (int i = 0; i < res.length; i++) {
                    Dir d = lead.get(i).dir;
                    d.lock.lock();
                    try {
                        d.running = false;
                        if (res[i] < 0) d.poisoned = NativeException.of("fsync", shown(d), res[i]);
                        else d.completed = Math.max(d.completed, lead.get(i).target);
                        if (d.poisoned != null && failure == null) failure = d.poisoned;
                        d.changed.signalAll();
                    } finally {
                        d.lock.unlock();
                    }
                }
                if (ev != null) {
                    ev.directories = lead.size();
                    ev.changes = covered;
                    ev.commit();
                }
            } else if (wait != null) {
                wait.dir.lock.lock();
                try {
                    while (wait.dir.running && wait.dir.completed < wait.ticket && wait.dir.poisoned == null) {
                        try {
                            wait.dir.changed.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException("interrupted while waiting for the fsync of \"" + shown(wait.dir) + "\"", e);
                        }
                    }
                } finally {
                    wait.dir.lock.unlock();
                }
            }
        }
        if (failure != null) throw failure;
    }

    /**
     * {@link GroupFlush} is about to fsync directory {@code key} in its own submission: returns
     * the ticket that fsync will cover (every change registered so far), or the {@code -errno}
     * of an earlier failure (the directory is never fsynced again).
     */
    /** Whether a sync of {@code key} failed once (then it is never trusted again). */
    boolean poisoned(String key) {
        Dir d = dirs.get(key);
        if (d == null) return false;
        d.lock.lock();
        try {
            return d.poisoned != null;
        } finally {
            d.lock.unlock();
        }
    }

    long shareFsync(String key) {
        Dir d = dirs.computeIfAbsent(key, Dir::new);
        d.lock.lock();
        try {
            if (d.poisoned != null) return d.poisoned instanceof NativeException n && n.errno() > 0 ? -n.errno() : -io.txring.uring.generated.Errno.EIO;
            return d.requested;
        } finally {
            d.lock.unlock();
        }
    }

    /** The fsync {@link #shareFsync} announced completed with {@code res} ({@link Integer#MIN_VALUE}: never ran). */
    void sharedFsyncDone(String key, long covers, int res) {
        Dir d = dirs.get(key);
        d.lock.lock();
        try {
            if (res == Integer.MIN_VALUE) {
                // not run: nothing learned
            } else if (res < 0) {
                if (d.poisoned == null) d.poisoned = NativeException.of("fsync", shown(d), res);
            } else {
                d.completed = Math.max(d.completed, covers);
            }
            d.changed.signalAll(); // waiters re-check: covered, poisoned, or free to lead
        } finally {
            d.lock.unlock();
        }
    }

    private static String shown(Dir d) {
        return d.key.isEmpty() ? "." : d.key;
    }
}
