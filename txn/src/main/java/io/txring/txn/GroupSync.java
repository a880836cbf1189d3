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
        synchronized (d) {
            if (chain && !d.running && d.poisoned == null) {
                requests.incrementAndGet();
                d.running = true;
                target = ++d.requested; // covers every committer registered so far: their changes are done
            }
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
            synchronized (d) {
                d.running = false;
                d.notifyAll();
            }
            throw e;
        }
        synchronized (d) {
            d.running = false;
            if (res[0] >= 0) {
                fsyncs.incrementAndGet();
                if (res[1] < 0) d.poisoned = NativeException.of("fsync", shown(d), res[1]);
                else d.completed = Math.max(d.completed, target);
            }
            d.notifyAll(); // a cancelled fsync leaves waiters to lead the next one themselves
            if (res[0] >= 0 && d.poisoned != null) throw new IOException("fsync of directory \"" + shown(d) + "\" failed", d.poisoned);
        }
        return res[0];
    }

    /** Makes the entries of every directory in {@code byKey} (path → open fd) durable. */
    void syncAll(Map<String, Integer> byKey) throws IOException {
        List<Need> pending = new ArrayList<>();
        for (var e : byKey.entrySet()) {
            requests.incrementAndGet();
            Dir d = dirs.computeIfAbsent(e.getKey(), Dir::new);
            synchronized (d) {
                pending.add(new Need(d, e.getValue(), ++d.requested));
            }
        }
        IOException failure = null;
        while (!pending.isEmpty()) {
            List<Need> lead = new ArrayList<>();
            Need wait = null;
            for (var it = pending.iterator(); it.hasNext(); ) {
                Need n = it.next();
                synchronized (n.dir) {
                    if (n.dir.poisoned != null) {
                        if (failure == null) failure = new IOException("fsync of directory \"" + shown(n.dir) + "\" failed", n.dir.poisoned);
                        it.remove();
                    } else if (n.dir.completed >= n.ticket) {
                        it.remove();
                    } else if (!n.dir.running) {
                        n.dir.running = true;
                        n.target = n.dir.requested; // starts after every registered change: covers them all
                        lead.add(n);
                        it.remove();
                    } else if (wait == null) {
                        wait = n;
                    }
                }
            }
            if (!lead.isEmpty()) {
                fsyncs.addAndGet(lead.size());
                int[] res;
                try {
                    res = ring.callBatch(lead.stream().map(n -> Op.fsync(n.fd).describing(shown(n.dir))).toArray(Op[]::new));
                } catch (RuntimeException e) { // e.g. the ring closed: waiters must not wait for a leader that is gone
                    for (Need n : lead) {
                        synchronized (n.dir) {
                            n.dir.running = false;
                            n.dir.notifyAll();
                        }
                    }
                    throw e;
                }
                for (int i = 0; i < res.length; i++) {
                    Dir d = lead.get(i).dir;
                    synchronized (d) {
                        d.running = false;
                        if (res[i] < 0) d.poisoned = NativeException.of("fsync", shown(d), res[i]);
                        else d.completed = Math.max(d.completed, lead.get(i).target);
                        if (d.poisoned != null && failure == null) failure = d.poisoned;
                        d.notifyAll();
                    }
                }
            } else if (wait != null) {
                synchronized (wait.dir) {
                    while (wait.dir.running && wait.dir.completed < wait.ticket && wait.dir.poisoned == null) {
                        try {
                            wait.dir.wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException("interrupted while waiting for the fsync of \"" + shown(wait.dir) + "\"", e);
                        }
                    }
                }
            }
        }
        if (failure != null) throw failure;
    }

    private static String shown(Dir d) {
        return d.key.isEmpty() ? "." : d.key;
    }
}
