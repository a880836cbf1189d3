package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.txring.core.Op;
import io.txring.core.Ring;
import io.txring.uring.NativeException;
import io.txring.uring.generated.Errno;
import io.txring.uring.generated.statx;
import io.txring.uring.generated.statx_timestamp;
import io.txring.uring.internal.ScratchPool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** The file operations transactions are made of, each through the ring. */
final class FileOps {
    /** How every path inside the store is resolved: never above the root, never through a symlink. */
    static final long RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    private static final int CHUNK = 64 * 1024;
    /**
     * What {@link StoreConfig#metadataSyscalls()} routes past the ring: on ext4 io_uring cannot
     * do these without blocking and hands each to a kernel worker, a thread hand-off that costs
     * more than the syscall (docs/BENCHMARKS.md). Fsync and close stay on the ring.
     */
    static final int[] METADATA_OPCODES = {IORING_OP_STATX, IORING_OP_OPENAT2, IORING_OP_RENAMEAT, IORING_OP_UNLINKAT,
            IORING_OP_LINKAT, IORING_OP_MKDIRAT, IORING_OP_WRITE};

    /**
     * Native memory the store's ops read or fill (statx buffers, bytes to write, read chunks),
     * shared by every store and thread of the process so that an op allocates none. The rule:
     * a lease is released once its ring call has returned; if the call throws (the ring broke,
     * the op may still be in flight) it never is, and that memory is never reused.
     */
    static final ScratchPool SCRATCH = new ScratchPool(Math.max(16, 4 * Runtime.getRuntime().availableProcessors()),
            4096, 256 * 1024);

    final Ring ring;

    FileOps(Ring ring) {
        this.ring = ring;
    }

    /** Opens directory {@code rel} under {@code rootFd} ("" for the root itself), confined. */
    int openDir(int rootFd, String rel, String shownAs) throws NativeException {
        int r = ring.callRaw(openDirOp(rootFd, rel));
        if (r < 0) throw NativeException.of("openat2", shownAs, r);
        return r;
    }

    /** Prepares {@link #openDir}'s open, for a batch. */
    static Op openDirOp(int rootFd, String rel) {
        return openOp(rootFd, rel.isEmpty() ? "." : rel, O_RDONLY | O_DIRECTORY, 0);
    }

    /** Opens {@code leaf} in {@code dirfd}, confined (a symlink leaf is refused with ELOOP). */
    int open(int dirfd, String leaf, int flags, int mode, String shownAs) throws NativeException {
        int r = ring.callRaw(openOp(dirfd, leaf, flags, mode));
        if (r < 0) throw NativeException.of("openat2", shownAs, r);
        return r;
    }

    /** Prepares {@link #open}'s open, for a batch. */
    static Op openOp(int dirfd, String leaf, int flags, int mode) {
        return new Op().prepOpenat2(dirfd, leaf, flags | O_CLOEXEC, mode, RESOLVE);
    }

    /** Prepares a statx of {@code leaf} (not following a symlink) into {@code buf}. */
    static Op statxOp(int dirfd, String leaf, MemorySegment buf) {
        return new Op().prepStatx(dirfd, leaf, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf);
    }

    /** Turns a statx result into a stamp; refuses what is not a regular file. */
    static VersionStamp stamp(int res, MemorySegment buf, String shownAs) throws IOException {
        if (res == -Errno.ENOENT) return VersionStamp.ABSENT;
        if (res < 0) throw NativeException.of("statx", shownAs, res);
        int fullMode = Short.toUnsignedInt(buf.get(JAVA_SHORT, statx.stx_mode$OFFSET));
        int mode = fullMode & S_IFMT;
        if (mode == S_IFLNK) throw new IOException("statx(\"" + shownAs + "\"): a symbolic link; the store refuses symlinks");
        if (mode != S_IFREG) throw new IOException("statx(\"" + shownAs + "\"): not a regular file");
        long dev = ((long) buf.get(JAVA_INT, statx.stx_dev_major$OFFSET) << 32) | Integer.toUnsignedLong(buf.get(JAVA_INT, statx.stx_dev_minor$OFFSET));
        return new VersionStamp(dev, buf.get(JAVA_LONG, statx.stx_ino$OFFSET), buf.get(JAVA_LONG, statx.stx_size$OFFSET),
                nanos(buf, statx.stx_mtime$OFFSET), nanos(buf, statx.stx_ctime$OFFSET), fullMode & 07777);
    }

    private static long nanos(MemorySegment buf, long at) {
        return buf.get(JAVA_LONG, at + statx_timestamp.tv_sec$OFFSET) * 1_000_000_000L
                + Integer.toUnsignedLong(buf.get(JAVA_INT, at + statx_timestamp.tv_nsec$OFFSET));
    }

    VersionStamp stamp(int dirfd, String leaf, String shownAs) throws IOException {
        ScratchPool.Lease lease = SCRATCH.acquire(statx.SIZEOF);
        MemorySegment buf = lease.memory();
        int res = ring.callRaw(statxOp(dirfd, leaf, buf)); // a throw leaves the lease taken: the op may be in flight
        try {
            return stamp(res, buf, shownAs);
        } finally {
            lease.release();
        }
    }

    /** Reads {@code fd} from {@code offset} to its end. */
    byte[] readAll(int fd, long offset, String shownAs) throws NativeException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ScratchPool.Lease lease = SCRATCH.acquire(CHUNK);
        MemorySegment buf = lease.memory().asSlice(0, CHUNK);
        Op op = new Op();
        for (long at = offset; ; ) {
            int n = ring.callRaw(op.prepRead(fd, buf, at)); // a throw leaves the lease taken: the read may be in flight
            if (n <= 0) lease.release();
            if (n < 0) throw NativeException.of("read", shownAs, n);
            if (n == 0) return out.toByteArray();
            out.write(buf.asSlice(0, n).toArray(JAVA_BYTE), 0, n);
            at += n;
        }
    }

    /** One read of up to {@code length} bytes at {@code offset} (fewer at the file's end). */
    byte[] readAt(int fd, long offset, int length, String shownAs) throws NativeException {
        ScratchPool.Lease lease = SCRATCH.acquire(length);
        MemorySegment buf = lease.memory().asSlice(0, length);
        int n = ring.callRaw(new Op().prepRead(fd, buf, offset)); // a throw leaves the lease taken: the read may be in flight
        try {
            if (n < 0) throw NativeException.of("read", shownAs, n);
            return buf.asSlice(0, n).toArray(JAVA_BYTE);
        } finally {
            lease.release();
        }
    }

    /** Writes all of {@code data} at {@code offset}, short writes continued. */
    void writeAll(int fd, byte[] data, long offset, String shownAs) throws NativeException {
        if (data.length == 0) return;
        ScratchPool.Lease lease = SCRATCH.acquire(data.length);
        MemorySegment buf = lease.memory().asSlice(0, data.length);
        buf.copyFrom(MemorySegment.ofArray(data));
        try {
            writeAll(fd, buf, offset, shownAs);
        } catch (NativeException failed) { // a write's result: it completed
            lease.release();
            throw failed;
        }
        lease.release(); // not in a finally: after a throw from the ring the write may still be in flight
    }

    /**
     * One write of {@code data} at {@code offset} (no continuation of a short write): the ring's
     * result, {@code -errno} on failure.
     */
    int writeOnce(int fd, byte[] data, long offset) {
        return writeOnce(ring, fd, data, offset);
    }

    static int writeOnce(Ring ring, int fd, byte[] data, long offset) {
        ScratchPool.Lease lease = SCRATCH.acquire(data.length);
        MemorySegment buf = lease.memory().asSlice(0, data.length);
        buf.copyFrom(MemorySegment.ofArray(data));
        int written = ring.callRaw(Op.write(fd, buf, offset)); // a throw leaves the lease taken: the write may be in flight
        lease.release();
        return written;
    }

    void writeAll(int fd, MemorySegment buf, long offset, String shownAs) throws NativeException {
        Op op = new Op();
        for (long done = 0; done < buf.byteSize(); ) {
            MemorySegment part = buf.asSlice(done, Math.min(buf.byteSize() - done, 1L << 30));
            int n = ring.callRaw(op.prepWrite(fd, part, offset + done));
            if (n < 0) throw NativeException.of("write", shownAs, n);
            if (n == 0) throw NativeException.of("write", shownAs, -Errno.EIO);
            done += n;
        }
    }

    /**
     * Copies {@code from}'s whole content into {@code to}; both fds freshly opened (offset 0).
     * In the kernel with copy_file_range where it works, else through the ring.
     */
    long copy(int from, int to, String shownAs) throws NativeException {
        long total = 0;
        Op copy = new Op();
        while (true) {
            long n = ring.callRaw(copy.prepCopyFileRange(from, to, 1 << 30)); // a syscall io_uring lacks, through the ring: traced, injectable
            if (n == 0) return total;
            if (n < 0) {
                if (total == 0 && (n == -Errno.EXDEV || n == -Errno.EINVAL || n == -Errno.ENOSYS || n == -Errno.EOPNOTSUPP)) break;
                throw NativeException.of("copy_file_range", shownAs, (int) n);
            }
            total += n;
        }
        ScratchPool.Lease lease = SCRATCH.acquire(CHUNK);
        MemorySegment buf = lease.memory().asSlice(0, CHUNK);
        Op op = new Op();
        long at = 0;
        while (true) {
            int n = ring.callRaw(op.prepRead(from, buf, at)); // a throw leaves the lease taken: the read may be in flight
            if (n <= 0) lease.release();
            if (n < 0) throw NativeException.of("read", shownAs, n);
            if (n == 0) return at;
            try {
                writeAll(to, buf.asSlice(0, n), at, shownAs);
            } catch (NativeException failed) { // a write's result: it completed
                lease.release();
                throw failed;
            }
            at += n;
        }
    }

    /** The size of the open file {@code fd} (statx with AT_EMPTY_PATH). */
    long sizeOf(int fd, String shownAs) throws NativeException {
        ScratchPool.Lease lease = SCRATCH.acquire(statx.SIZEOF);
        MemorySegment buf = lease.memory();
        int res = ring.callRaw(new Op().prepStatx(fd, "", AT_EMPTY_PATH, STATX_SIZE, buf)); // a throw leaves the lease taken
        long size = buf.get(JAVA_LONG, statx.stx_size$OFFSET);
        lease.release();
        check(res, "statx", shownAs);
        return size;
    }

    void check(int res, String op, String shownAs) throws NativeException {
        if (res < 0) throw NativeException.of(op, shownAs, res);
    }
}
