package io.txring.txn;

import io.txring.core.Op;
import io.txring.core.Ring;
import io.txring.uring.NativeException;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Group commit for directory fsyncs: a committer registers after its rename and needs
 * one fsync of the directory that starts after that. If one is running, it waits for
 * the next; the next one serves every committer registered so far. Concurrent commits
 * into one directory thus share an fsync instead of queueing one each.
 *
 * <p>A failed fsync poisons its directory for the life of the store: later fsyncs could
 * succeed while the failed data is gone (fsyncgate), so none is trusted again.
 */
final class GroupSync {
    private static final class Dir {
        long requested;
        long completed;
        boolean running;
        IOException poisoned;
    }

    private final Ring ring;
    private final ConcurrentHashMap<String, Dir> dirs = new ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong(), fsyncs = new java.util.concurrent.atomic.AtomicLong();

    GroupSync(Ring ring) {
        this.ring = ring;
    }

    /** Makes the entries of directory {@code key} (open as {@code fd}) durable, sharing the fsync with concurrent callers. */
    void sync(String key, int fd) throws IOException {
        requests.incrementAndGet();
        Dir d = dirs.computeIfAbsent(key, k -> new Dir());
        long target;
        synchronized (d) {
            long ticket = ++d.requested;
            while (true) {
                if (d.poisoned != null) throw new IOException("fsync of directory \"" + key + "\" failed earlier", d.poisoned);
                if (d.completed >= ticket) return;
                if (!d.running) break;
                try {
                    d.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the fsync of \"" + key + "\"", e);
                }
            }
            d.running = true;
            target = d.requested; // this fsync starts after every registered rename: it covers them all
        }
        fsyncs.incrementAndGet();
        int res = ring.callRaw(Op.fsync(fd));
        synchronized (d) {
            d.running = false;
            if (res < 0) d.poisoned = NativeException.of("fsync", key.isEmpty() ? "." : key, res);
            else d.completed = Math.max(d.completed, target);
            d.notifyAll();
            if (d.poisoned != null) throw d.poisoned;
        }
    }
}
