package io.txring.core;

import static io.txring.uring.generated.uring_h.*;

import io.txring.uring.generated.Errno;
import io.txring.uring.LibC;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The fallback: the same ops as plain syscalls on a bounded pool of platform threads,
 * with io_uring's semantics kept where callers can see them (results as {@code res} or
 * {@code -errno}, links cancel the rest of a chain with {@code -ECANCELED}, direct
 * descriptors, timeouts and their cancellation).
 */
final class BlockingEngine implements Engine {
    private record Completion(long userData, int res) {}

    private final ExecutorService pool;
    private final LinkedBlockingDeque<Completion> done = new LinkedBlockingDeque<>();
    private final RingMetrics.Counters counters = new RingMetrics.Counters();
    private final int capacity;
    private final Op[] pendingOps;
    private final long[] pendingData;
    private int pending;
    /** Flushes so far, under the submit lock: with {@code pending}, the safety net's mark. */
    private long flushes;
    /** Direct descriptors: slot → real fd, or -1. */
    private final int[] fixed;
    private final Map<Long, Thread> sleepingTimeouts = new ConcurrentHashMap<>();
    private final Map<Long, Boolean> cancelledTimeouts = new ConcurrentHashMap<>();

    BlockingEngine(RingConfig config) {
        AtomicInteger n = new AtomicInteger();
        pool = Executors.newFixedThreadPool(config.blockingThreads(), r -> {
            Thread t = new Thread(r, "txring-blocking-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        capacity = config.entries();
        pendingOps = new Op[capacity];
        pendingData = new long[capacity];
        fixed = new int[config.registeredFiles()];
        java.util.Arrays.fill(fixed, -1);
    }

    @Override
    public Backend backend() {
        return Backend.BLOCKING;
    }

    @Override
    public int room() {
        return capacity - pending;
    }

    @Override
    public void push(Op op, long userData) {
        pendingOps[pending] = op;
        pendingData[pending++] = userData;
    }

    @Override
    public int flush(int waitFor) {
        int start = 0;
        for (int i = 0; i < pending; i++) {
            if (!pendingOps[i].isLinked() || i == pending - 1) { // a chain ends at an unlinked op
                Op[] ops = java.util.Arrays.copyOfRange(pendingOps, start, i + 1);
                long[] data = java.util.Arrays.copyOfRange(pendingData, start, i + 1);
                java.util.Arrays.fill(pendingOps, start, i + 1, null);
                pool.execute(() -> runLinked(ops, data, null, (ud, res, f) -> done.add(new Completion(ud, res))));
                start = i + 1;
            }
        }
        int n = pending;
        flushes++;
        counters.add(RingMetrics.Counters.SUBMITTED, n);
        pending = 0;
        if (waitFor > 0) awaitCompletions();
        return n;
    }

    @Override
    public int unsubmitted() {
        return pending;
    }

    @Override
    public long sqMark() {
        return (flushes << 32) | pending;
    }

    @Override
    public int retract(CompletionDispatch failed, int res) {
        return 0; // a flush never fails: nothing is ever left to take back
    }

    @Override
    public int awaitRoom() {
        Thread.onSpinWait();
        return 0;
    }

    /**
     * Runs a chain as io_uring would: an IO_LINK op that fails (or reads/writes short) cancels
     * the rest with -ECANCELED; a non-zero {@code injected[i]} replaces op i's syscall. Each
     * result goes to {@code sink} as soon as it is known; returns the syscalls actually run.
     */
    int runLinked(Op[] ops, long[] userData, int[] injected, CompletionDispatch sink) {
        boolean cancelRest = false;
        int ran = 0;
        for (int i = 0; i < ops.length; i++) {
            int res;
            if (cancelRest) {
                res = -Errno.ECANCELED;
            } else if (injected != null && injected[i] != 0) {
                res = injected[i];
            } else {
                res = execute(ops[i], userData[i]);
                ran++;
            }
            if (!cancelRest && ops[i].isLinked() && !ops[i].isHardLinked() && failsLink(ops[i], res)) cancelRest = true;
            sink.complete(userData[i], res, 0);
        }
        return ran;
    }

    private static int mmap(Op op, int fd) {
        long address = LibC.mmapAddress(op.addr, op.len, op.opFlags, fd, op.off);
        if (address < 0) return (int) address;
        ((MemorySegment) op.keep2).set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, address);
        return 0;
    }

    /** io_uring breaks a link on an error, and on a short read or write. */
    static boolean failsLink(Op op, int res) {
        if (res < 0) return true;
        return switch (op.opcode()) {
            case IORING_OP_READ, IORING_OP_WRITE, IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED -> res < op.len;
            default -> false;
        };
    }

    /** Runs one op as a syscall and returns what the CQE's res would hold. */
    int execute(Op op, long userData) {
        MemorySegment addr = MemorySegment.ofAddress(op.addr);
        MemorySegment off = MemorySegment.ofAddress(op.off);
        int fd = op.isFixedFile() ? fixedFd(op.fd) : op.fd;
        if (fd == -Errno.EBADF) return fd;
        return switch (op.opcode()) {
            case IORING_OP_NOP -> 0;
            case IORING_OP_OPENAT -> installed(op, LibC.openat(op.fd, addr, op.opFlags, op.len));
            case IORING_OP_OPENAT2 -> installed(op, LibC.openat2(op.fd, addr, off, op.len));
            case IORING_OP_CLOSE -> op.fileIndex > 0 ? closeFixed(op.fileIndex - 1) : LibC.close(fd);
            case IORING_OP_READ, IORING_OP_READ_FIXED -> (int) LibC.pread(fd, addr, op.len, op.off);
            case IORING_OP_WRITE, IORING_OP_WRITE_FIXED -> (int) LibC.pwrite(fd, addr, op.len, op.off);
            case IORING_OP_READV -> (int) LibC.preadv(fd, addr, op.len, op.off);
            case IORING_OP_WRITEV -> (int) LibC.pwritev(fd, addr, op.len, op.off);
            case IORING_OP_FSYNC -> (op.opFlags & IORING_FSYNC_DATASYNC) != 0 ? LibC.fdatasync(fd) : LibC.fsync(fd);
            case IORING_OP_SYNC_FILE_RANGE -> LibC.syncFileRange(fd, op.off, op.len, op.opFlags);
            case IORING_OP_FALLOCATE -> LibC.fallocate(fd, op.len, op.off, op.addr);
            case IORING_OP_FTRUNCATE -> LibC.ftruncate(fd, op.off);
            case IORING_OP_STATX -> LibC.statx(op.fd, addr, op.opFlags, op.len, off);
            case IORING_OP_RENAMEAT -> LibC.renameat2(op.fd, addr, op.len, off, op.opFlags);
            case IORING_OP_UNLINKAT -> LibC.unlinkat(op.fd, addr, op.opFlags);
            case IORING_OP_MKDIRAT -> LibC.mkdirat(op.fd, addr, op.len);
            case IORING_OP_LINKAT -> LibC.linkat(op.fd, addr, op.len, off, op.opFlags);
            case IORING_OP_FADVISE -> LibC.posixFadvise(fd, op.off, op.len, op.opFlags);
            case IORING_OP_MADVISE -> LibC.madvise(addr, op.len, op.opFlags);
            case IORING_OP_TIMEOUT -> sleep(op, userData);
            case IORING_OP_ASYNC_CANCEL -> cancel(op.addr);
            case Op.SYSCALL_OFD_LOCK -> LibC.ofdLock(fd, op.opFlags, op.len, op.off, op.addr);
            case Op.SYSCALL_FICLONE -> LibC.ioctlPtr(fd, FICLONE, op.len);
            case Op.SYSCALL_COPY_FILE_RANGE -> (int) LibC.copyFileRange(op.len, fd, op.addr);
            case Op.SYSCALL_MMAP -> mmap(op, fd);
            default -> -Errno.EINVAL;
        };
    }

    private int fixedFd(int slot) {
        if (slot < 0 || slot >= fixed.length) return -Errno.EBADF;
        synchronized (fixed) {
            return fixed[slot] < 0 ? -Errno.EBADF : fixed[slot];
        }
    }

    /** A direct open puts the fd in the table and returns 0, as io_uring does. */
    private int installed(Op op, int fd) {
        if (op.fileIndex == 0 || fd < 0) return fd;
        int slot = op.fileIndex - 1;
        if (slot >= fixed.length) {
            LibC.close(fd);
            return -Errno.EINVAL;
        }
        synchronized (fixed) {
            if (fixed[slot] >= 0) LibC.close(fixed[slot]); // io_uring replaces an occupied slot
            fixed[slot] = fd;
        }
        return 0;
    }

    private int closeFixed(int slot) {
        if (slot < 0 || slot >= fixed.length) return -Errno.EINVAL;
        int fd;
        synchronized (fixed) {
            fd = fixed[slot];
            fixed[slot] = -1;
        }
        return fd < 0 ? -Errno.EBADF : LibC.close(fd);
    }

    private int sleep(Op op, long userData) {
        long deadline = System.nanoTime() + op.timeoutNanos;
        sleepingTimeouts.put(userData, Thread.currentThread());
        try {
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                if (cancelledTimeouts.remove(userData) != null) return -Errno.ECANCELED;
                LockSupport.parkNanos(this, left);
            }
            return cancelledTimeouts.remove(userData) != null ? -Errno.ECANCELED : -Errno.ETIME;
        } finally {
            sleepingTimeouts.remove(userData);
        }
    }

    private int cancel(long target) {
        Thread t = sleepingTimeouts.get(target);
        if (t == null) return -Errno.ENOENT; // already done, or a syscall that cannot be interrupted
        cancelledTimeouts.put(target, Boolean.TRUE);
        LockSupport.unpark(t);
        return 0;
    }

    @Override
    public int reap(CompletionDispatch sink, int max) {
        int n = 0;
        Completion c;
        while (n < max && (c = done.poll()) != null) {
            n++;
            if (c.userData() != UserData.INTERNAL) counters.add(RingMetrics.Counters.COMPLETED, 1); // before delivery
            sink.complete(c.userData(), c.res(), 0);
        }
        return n;
    }

    @Override
    public void awaitCompletions() {
        try {
            Completion c = done.takeFirst();
            done.putFirst(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void wakeup() {
        done.add(new Completion(UserData.INTERNAL, 0));
    }

    @Override
    public RingMetrics.Counters counters() {
        return counters;
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (fixed) {
            for (int i = 0; i < fixed.length; i++) if (fixed[i] >= 0) LibC.close(fixed[i]);
        }
    }
}
