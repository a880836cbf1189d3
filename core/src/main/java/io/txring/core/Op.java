package io.txring.core;

import static io.txring.uring.generated.uring_h.*;

import io.txring.uring.generated.__kernel_timespec;
import io.txring.uring.generated.open_how;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * One file-system operation, described once and run by either backend: the io_uring
 * engine copies it into an SQE, the blocking engine turns it into the same syscall.
 *
 * <p>An {@code Op} is mutable and reusable: the {@code prep*} methods (named after
 * liburing's {@code io_uring_prep_*}) overwrite it, so a hot loop can keep one instance
 * per in-flight slot and allocate nothing. An op must not be re-prepared or submitted
 * again until its completion has been delivered: the kernel may read its buffers and iovecs
 * until then. Paths, {@code open_how} and timespecs are kept as values and written at
 * submission into memory of the ring's in-flight slot (or, for an op run as a syscall on the
 * calling thread, of a pool), which lives until the completion: preparing allocates no
 * native memory. The static factories ({@code Op.write(...)}) allocate a new instance for
 * convenience.
 */
public final class Op {
    // SQE fields, named after struct io_uring_sqe.
    byte opcode;
    byte sqeFlags;
    int fd;
    long off;
    long addr;
    int len;
    int opFlags;
    short bufIndex;
    int fileIndex;

    /** The timeout's duration, for the blocking backend (io_uring reads the timespec). */
    long timeoutNanos;

    /** Set by the ring when submitted; the target of {@link #prepCancel(Op)}. */
    long userData;

    /** For error messages: the path the op names, if any. */
    String path;
    /** renameat/linkat: the old and new paths. */
    String path1, path2;
    /** Kept reachable until completion: caller memory the kernel reads or writes (buffers, iovecs, a statx buffer). */
    Object keep1;
    Object keep2;

    // What bind() writes at submission into the memory the ring lends the op until its completion.
    static final byte MEM_NONE = 0, MEM_PATH = 1, MEM_PATH_HOW = 2, MEM_TWO_PATHS = 3, MEM_TIMESPEC = 4;
    private static final long HOW_BYTES = open_how.SIZEOF;
    /** One of MEM_*: which of the fields below {@link #bind} writes, and where their addresses go. */
    byte mem;
    /** The paths bind() writes NUL-terminated in UTF-8: the first's address goes to addr, the second's to off. */
    private String cPath1, cPath2;
    /** openat2: open_how's flags, mode and resolve; a timeout: seconds and nanoseconds. */
    private long arg1, arg2, arg3;

    /*
     * Syscalls io_uring has no op for, given opcodes above any of the kernel's (a u8; its own end
     * near 60): they never reach the kernel's ring and always run as syscalls on the calling
     * thread — but through a ring, so faults and tracers see them like every other op.
     */
    /** fcntl(2) with an OFD lock command. */
    public static final int SYSCALL_OFD_LOCK = 0xF0;
    /** ioctl(2) FICLONE: a reflink of a whole file. */
    public static final int SYSCALL_FICLONE = 0xF1;
    /** copy_file_range(2) from the current offsets. */
    public static final int SYSCALL_COPY_FILE_RANGE = 0xF2;
    /** mmap(2) of a file. */
    public static final int SYSCALL_MMAP = 0xF3;

    /** Whether ops of {@code opcode} are syscalls io_uring lacks ({@link #SYSCALL_OFD_LOCK} …): they run on the caller's thread. */
    public static boolean isSyscallOnly(int opcode) {
        return opcode >= SYSCALL_OFD_LOCK && opcode <= SYSCALL_MMAP;
    }

    public Op() { prepNop(); }

    private Op reset(int opcode) {
        this.opcode = (byte) opcode;
        this.sqeFlags = 0;
        this.fd = -1;
        this.off = 0;
        this.addr = 0;
        this.len = 0;
        this.opFlags = 0;
        this.bufIndex = 0;
        this.fileIndex = 0;
        this.path = null;
        this.path1 = null;
        this.path2 = null;
        this.keep1 = null;
        this.keep2 = null;
        this.mem = MEM_NONE;
        this.cPath1 = null;
        this.cPath2 = null;
        return this;
    }

    /** An upper bound of a path's bytes: UTF-8 takes at most 3 bytes per UTF-16 char, plus the NUL. */
    private static long cBytes(String s) {
        return 3L * s.length() + 1;
    }

    /** The bytes {@link #bind} needs (0 when the op carries no path, open_how or timespec). */
    long memBytes() {
        return switch (mem) {
            case MEM_PATH -> cBytes(cPath1);
            case MEM_PATH_HOW -> HOW_BYTES + cBytes(cPath1);
            case MEM_TWO_PATHS -> cBytes(cPath1) + cBytes(cPath2);
            case MEM_TIMESPEC -> __kernel_timespec.SIZEOF;
            default -> 0;
        };
    }

    /**
     * At submission: writes the op's paths, open_how or timespec into {@code m} (at least
     * {@link #memBytes()}, 8-byte aligned) and points the SQE fields at them. {@code m} must
     * stay valid and unshared until the op's completion has been delivered.
     */
    void bind(MemorySegment m) {
        long base = m.address();
        switch (mem) {
            case MEM_PATH -> {
                m.setString(0, cPath1); // an ASCII path is copied as is, with no heap array in between
                addr = base;
            }
            case MEM_PATH_HOW -> {
                for (long at = 0; at < HOW_BYTES; at += 8) m.set(ValueLayout.JAVA_LONG, at, 0); // fields a newer header may add
                m.set(ValueLayout.JAVA_LONG, open_how.flags$OFFSET, arg1);
                m.set(ValueLayout.JAVA_LONG, open_how.mode$OFFSET, arg2);
                m.set(ValueLayout.JAVA_LONG, open_how.resolve$OFFSET, arg3);
                m.setString(HOW_BYTES, cPath1);
                off = base;
                addr = base + HOW_BYTES;
            }
            case MEM_TWO_PATHS -> {
                long second = cBytes(cPath1);
                m.setString(0, cPath1);
                m.setString(second, cPath2);
                addr = base;
                off = base + second;
            }
            case MEM_TIMESPEC -> {
                m.set(ValueLayout.JAVA_LONG, __kernel_timespec.tv_sec$OFFSET, arg1);
                m.set(ValueLayout.JAVA_LONG, __kernel_timespec.tv_nsec$OFFSET, arg2);
                addr = base;
            }
            default -> { }
        }
    }

    private Op withPath(String p) {
        mem = MEM_PATH;
        cPath1 = p;
        path = p;
        return this;
    }

    private static long address(MemorySegment buf) {
        if (!buf.isNative()) throw new IllegalArgumentException("buffer must be native memory (off-heap), got a heap segment");
        return buf.address();
    }

    private static int length(long n) {
        if (n < 0 || n > Integer.MAX_VALUE) throw new IllegalArgumentException("length out of range: " + n);
        return (int) n;
    }

    // ---- flags ------------------------------------------------------------------------

    /** Links the next op of the same submission to this one: it runs only if this one succeeds fully. */
    public Op link() { sqeFlags |= (byte) IOSQE_IO_LINK; return this; }

    /** Links the next op regardless of this one's result. */
    public Op hardLink() { sqeFlags |= (byte) IOSQE_IO_HARDLINK; return this; }

    /** The fd of this op is an index into the ring's registered (direct) file table. */
    public Op fixedFile() { sqeFlags |= (byte) IOSQE_FIXED_FILE; return this; }

    /** Starts only after every op submitted before it has completed. */
    public Op drain() { sqeFlags |= (byte) IOSQE_IO_DRAIN; return this; }

    /** Asks io_uring to run the op in a worker right away instead of trying inline first. */
    public Op async() { sqeFlags |= (byte) IOSQE_ASYNC; return this; }

    public boolean isLinked() { return (sqeFlags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK)) != 0; }

    public boolean isHardLinked() { return (sqeFlags & IOSQE_IO_HARDLINK) != 0; }

    public boolean isFixedFile() { return (sqeFlags & IOSQE_FIXED_FILE) != 0; }

    public int opcode() { return opcode & 0xff; }

    /** The operation's name as io_uring calls it (e.g. {@code "write"}), for messages. */
    public String name() {
        if (opcode == IORING_OP_FSYNC && (opFlags & IORING_FSYNC_DATASYNC) != 0) return "fdatasync";
        if ((opcode & 0xff) == SYSCALL_OFD_LOCK) {
            return opFlags == F_OFD_GETLK ? "fcntl(F_OFD_GETLK)" : opFlags == F_OFD_SETLKW ? "fcntl(F_OFD_SETLKW)" : "fcntl(F_OFD_SETLK)";
        }
        return OpNames.of(opcode & 0xff);
    }

    /** The path this op names, or {@code null}. */
    public String path() { return path; }

    // Read access for tracers (see RingConfig.Builder#tracer): the op as the kernel sees it.
    /** The fd (or old-directory fd, or direct-descriptor slot with {@link #isFixedFile()}). */
    public int fd() { return fd; }
    /** The op-specific flags word (open flags, rename flags, fsync flags, …). */
    public int flags() { return opFlags; }
    /** The file offset of a read or write. */
    public long fileOffset() { return off; }
    /** The length field (bytes of a read or write; the new-directory fd of renameat/linkat). */
    public int length() { return len; }
    /** The path of a one-path op, or the old path of renameat/linkat. */
    public String firstPath() { return path1 != null ? path1 : path; }
    /** The new path of renameat/linkat, else null. */
    public String secondPath() { return path2; }
    /** The buffer of a read or write given as a segment, else null. */
    public MemorySegment buffer() { return keep1 instanceof MemorySegment m && isReadWrite() ? m : null; }

    private boolean isReadWrite() {
        int o = opcode & 0xff;
        return o == IORING_OP_READ || o == IORING_OP_WRITE || o == IORING_OP_READ_FIXED || o == IORING_OP_WRITE_FIXED;
    }

    // ---- preparation (liburing io_uring_prep_* names) -----------------------------------

    public Op prepNop() { return reset(IORING_OP_NOP); }

    public Op prepOpenat(int dirfd, String path, int flags, int mode) {
        reset(IORING_OP_OPENAT);
        fd = dirfd; len = mode; opFlags = flags;
        return withPath(path);
    }

    /** {@code path} is a NUL-terminated native string kept alive by the caller's arena. */
    public Op prepOpenat(int dirfd, MemorySegment path, int flags, int mode) {
        reset(IORING_OP_OPENAT);
        fd = dirfd; addr = address(path); len = mode; opFlags = flags; keep1 = path;
        return this;
    }

    /** openat into direct-descriptor slot {@code fileSlot} (0-based) of the ring's file table. */
    public Op prepOpenatDirect(int dirfd, String path, int flags, int mode, int fileSlot) {
        prepOpenat(dirfd, path, flags, mode);
        fileIndex = fileSlot + 1; // the kernel's file_index is 1-based; 0 means "a normal fd"
        return this;
    }

    /** openat2 with {@code RESOLVE_*} flags ({@code struct open_how}). */
    public Op prepOpenat2(int dirfd, String path, long flags, long mode, long resolve) {
        reset(IORING_OP_OPENAT2);
        fd = dirfd; len = (int) HOW_BYTES;
        withPath(path);
        mem = MEM_PATH_HOW;
        arg1 = flags; arg2 = mode; arg3 = resolve;
        return this;
    }

    public Op prepClose(int fd) { reset(IORING_OP_CLOSE); this.fd = fd; return this; }

    /** Closes direct-descriptor slot {@code fileSlot}. */
    public Op prepCloseDirect(int fileSlot) {
        reset(IORING_OP_CLOSE);
        fd = 0; fileIndex = fileSlot + 1;
        return this;
    }

    public Op prepRead(int fd, MemorySegment buf, long fileOffset) {
        return rw(IORING_OP_READ, fd, address(buf), length(buf.byteSize()), fileOffset, buf);
    }

    public Op prepWrite(int fd, MemorySegment buf, long fileOffset) {
        return rw(IORING_OP_WRITE, fd, address(buf), length(buf.byteSize()), fileOffset, buf);
    }

    /** Reads into a direct ByteBuffer between its position and limit (the position is not moved). */
    public Op prepRead(int fd, ByteBuffer buf, long fileOffset) {
        return prepRead(fd, directSegment(buf), fileOffset).keep(buf);
    }

    /** Writes a direct ByteBuffer's bytes between position and limit (the position is not moved). */
    public Op prepWrite(int fd, ByteBuffer buf, long fileOffset) {
        return prepWrite(fd, directSegment(buf), fileOffset).keep(buf);
    }

    /**
     * Reads into raw native memory at {@code address}; {@code owner} is kept reachable until
     * the op completes (a Netty {@code ByteBuf}, for instance — see {@link NettyBuffers}).
     */
    public Op prepReadAddress(int fd, long address, int length, long fileOffset, Object owner) {
        return rw(IORING_OP_READ, fd, address, length, fileOffset, owner);
    }

    /** Writes raw native memory at {@code address}; {@code owner} stays reachable until completion. */
    public Op prepWriteAddress(int fd, long address, int length, long fileOffset, Object owner) {
        return rw(IORING_OP_WRITE, fd, address, length, fileOffset, owner);
    }

    /** {@code iovecs} is an array of {@code struct iovec}, see {@link Iovecs}. */
    public Op prepReadv(int fd, Iovecs iovecs, long fileOffset) {
        return rw(IORING_OP_READV, fd, iovecs.address(), iovecs.count(), fileOffset, iovecs);
    }

    public Op prepWritev(int fd, Iovecs iovecs, long fileOffset) {
        return rw(IORING_OP_WRITEV, fd, iovecs.address(), iovecs.count(), fileOffset, iovecs);
    }

    /** Reads into (part of) registered buffer {@code bufIndex}; see {@link Ring#registerBuffers}. */
    public Op prepReadFixed(int fd, MemorySegment buf, int bufIndex, long fileOffset) {
        rw(IORING_OP_READ_FIXED, fd, address(buf), length(buf.byteSize()), fileOffset, buf);
        this.bufIndex = (short) bufIndex;
        return this;
    }

    public Op prepWriteFixed(int fd, MemorySegment buf, int bufIndex, long fileOffset) {
        rw(IORING_OP_WRITE_FIXED, fd, address(buf), length(buf.byteSize()), fileOffset, buf);
        this.bufIndex = (short) bufIndex;
        return this;
    }

    private Op rw(int opcode, int fd, long address, int length, long fileOffset, Object owner) {
        reset(opcode);
        this.fd = fd; addr = address; len = length; off = fileOffset; keep1 = owner;
        return this;
    }

    private Op keep(Object o) { keep2 = o; return this; }

    /** Attaches a path to this op for error messages (ops on an fd do not know their path). */
    public Op describing(String p) { path = p; return this; }

    private static MemorySegment directSegment(ByteBuffer buf) {
        if (!buf.isDirect()) throw new IllegalArgumentException("ByteBuffer must be direct; a heap buffer would need a copy");
        return MemorySegment.ofBuffer(buf);
    }

    public Op prepFsync(int fd) { reset(IORING_OP_FSYNC); this.fd = fd; return this; }

    public Op prepFdatasync(int fd) { prepFsync(fd); opFlags = IORING_FSYNC_DATASYNC; return this; }

    public Op prepSyncFileRange(int fd, long offset, int nbytes, int flags) {
        reset(IORING_OP_SYNC_FILE_RANGE);
        this.fd = fd; off = offset; len = nbytes; opFlags = flags;
        return this;
    }

    public Op prepFallocate(int fd, int mode, long offset, long length) {
        reset(IORING_OP_FALLOCATE);
        this.fd = fd; len = mode; off = offset; addr = length; // io_uring carries the length in addr
        return this;
    }

    /** ftruncate through io_uring where the kernel has IORING_OP_FTRUNCATE (6.9+), else the blocking path. */
    public Op prepFtruncate(int fd, long length) {
        reset(IORING_OP_FTRUNCATE);
        this.fd = fd; off = length;
        return this;
    }

    /** statx into {@code statxBuf} (at least {@code sizeof(struct statx)} bytes). */
    public Op prepStatx(int dirfd, String path, int flags, int mask, MemorySegment statxBuf) {
        reset(IORING_OP_STATX);
        fd = dirfd; len = mask; opFlags = flags; off = address(statxBuf);
        keep2 = statxBuf;
        return withPath(path);
    }

    public Op prepRenameat(int oldDirfd, String oldPath, int newDirfd, String newPath, int flags) {
        return twoPaths(IORING_OP_RENAMEAT, oldDirfd, oldPath, newDirfd, newPath, flags);
    }

    /** renameat and linkat share one SQE shape: old dirfd/path in fd/addr, new ones in len and off (the SQE's addr2, a union with off). */
    private Op twoPaths(int opcode, int oldDirfd, String oldPath, int newDirfd, String newPath, int flags) {
        reset(opcode);
        fd = oldDirfd; len = newDirfd; opFlags = flags;
        mem = MEM_TWO_PATHS; cPath1 = oldPath; cPath2 = newPath;
        path = oldPath + " -> " + newPath; path1 = oldPath; path2 = newPath;
        return this;
    }

    /** {@code flags} 0 for a file, {@code AT_REMOVEDIR} for a directory. */
    public Op prepUnlinkat(int dirfd, String path, int flags) {
        reset(IORING_OP_UNLINKAT);
        fd = dirfd; opFlags = flags;
        return withPath(path);
    }

    public Op prepMkdirat(int dirfd, String path, int mode) {
        reset(IORING_OP_MKDIRAT);
        fd = dirfd; len = mode;
        return withPath(path);
    }

    public Op prepLinkat(int oldDirfd, String oldPath, int newDirfd, String newPath, int flags) {
        return twoPaths(IORING_OP_LINKAT, oldDirfd, oldPath, newDirfd, newPath, flags);
    }

    public Op prepFadvise(int fd, long offset, int length, int advice) {
        reset(IORING_OP_FADVISE);
        this.fd = fd; off = offset; len = length; opFlags = advice;
        return this;
    }

    public Op prepMadvise(MemorySegment region, int advice) {
        reset(IORING_OP_MADVISE);
        addr = address(region); len = length(region.byteSize()); opFlags = advice; keep1 = region;
        return this;
    }

    /** Completes with -ETIME after {@code timeout}, or with 0 once {@code count} other ops completed (0: time only). */
    public Op prepTimeout(Duration timeout, int count, int flags) {
        reset(IORING_OP_TIMEOUT);
        mem = MEM_TIMESPEC; arg1 = timeout.getSeconds(); arg2 = timeout.getNano();
        len = 1; off = count; opFlags = flags; timeoutNanos = timeout.toNanos();
        return this;
    }

    /** Cancels {@code target} if it is still in flight: 0, -ENOENT (not found) or -EALREADY (running). */
    public Op prepCancel(Op target) {
        reset(IORING_OP_ASYNC_CANCEL);
        addr = target.userData;
        keep1 = target;
        return this;
    }

    /**
     * {@code fcntl(fd, cmd, &flock)} with {@code cmd} {@code F_OFD_SETLK}, {@code F_OFD_SETLKW} or
     * {@code F_OFD_GETLK} on bytes {@code [start, start + length)}: 0 (for GETLK the type of a
     * lock that conflicts, {@code F_UNLCK} if none) or -errno. Carried as fd, cmd in the flags
     * word, type in len, start in off and length in addr. {@code F_OFD_SETLKW} waits for the
     * holder, so it is refused queued, linked or async: run it alone ({@link Ring#call}).
     */
    public Op prepOfdLock(int fd, int cmd, int type, long start, long length) {
        reset(SYSCALL_OFD_LOCK);
        this.fd = fd; opFlags = cmd; len = type; off = start; addr = length;
        return this;
    }

    /** {@code ioctl(fd, FICLONE, srcFd)}: {@code fd} shares all of {@code srcFd}'s extents; 0 or -errno. The source rides in len. */
    public Op prepFiclone(int fd, int srcFd) {
        reset(SYSCALL_FICLONE);
        this.fd = fd; len = srcFd;
        return this;
    }

    /**
     * {@code copy_file_range(fdIn, NULL, fd, NULL, maxBytes, 0)}: the bytes copied (0 at the
     * input's end) or -errno. The file written is the op's fd, as for a write; the input rides in len.
     */
    public Op prepCopyFileRange(int fdIn, int fd, int maxBytes) {
        reset(SYSCALL_COPY_FILE_RANGE);
        this.fd = fd; len = fdIn; addr = maxBytes;
        return this;
    }

    /**
     * {@code mmap(NULL, length, prot, flags, fd, offset)}: 0 with the mapping's address stored
     * as a long at {@code addressOut}, or -errno. Carried as fd, offset in off, length in addr,
     * prot in len, flags in the flags word.
     */
    public Op prepMmap(int fd, long offset, long length, int prot, int flags, MemorySegment addressOut) {
        reset(SYSCALL_MMAP);
        this.fd = fd; off = offset; addr = length; len = prot; opFlags = flags;
        keep2 = addressOut;
        return this;
    }

    // ---- convenience factories (allocate) -----------------------------------------------

    public static Op nop() { return new Op(); }
    public static Op openat(int dirfd, String path, int flags, int mode) { return new Op().prepOpenat(dirfd, path, flags, mode); }
    public static Op close(int fd) { return new Op().prepClose(fd); }
    public static Op read(int fd, MemorySegment buf, long off) { return new Op().prepRead(fd, buf, off); }
    public static Op write(int fd, MemorySegment buf, long off) { return new Op().prepWrite(fd, buf, off); }
    public static Op fsync(int fd) { return new Op().prepFsync(fd); }
    public static Op fdatasync(int fd) { return new Op().prepFdatasync(fd); }
    public static Op renameat(int oldDirfd, String oldPath, int newDirfd, String newPath, int flags) {
        return new Op().prepRenameat(oldDirfd, oldPath, newDirfd, newPath, flags);
    }
    public static Op unlinkat(int dirfd, String path, int flags) { return new Op().prepUnlinkat(dirfd, path, flags); }
    public static Op mkdirat(int dirfd, String path, int mode) { return new Op().prepMkdirat(dirfd, path, mode); }

    @Override
    public String toString() {
        return path == null ? name() + "(fd " + fd + ")" : name() + "(\"" + path + "\")";
    }
}
