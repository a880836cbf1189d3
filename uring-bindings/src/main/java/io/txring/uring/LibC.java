package io.txring.uring;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.txring.uring.generated.flock;
import io.txring.uring.generated.uring_h;
import io.txring.uring.internal.ScratchPool;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * libc downcalls for what io_uring does not do and for the blocking backend. Every call
 * returns its result, or {@code -errno} on failure (errno captured with
 * {@code Linker.Option.captureCallState}) — the same convention as an io_uring CQE's
 * {@code res}. These calls block: run them on platform threads (a pool), not on a
 * virtual thread that should keep its carrier free.
 */
public final class LibC {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");
    /**
     * A call's errno capture (and its {@code struct flock}), from a pool rather than per thread: a
     * short-lived virtual thread would otherwise cost one native allocation each.
     */
    private static final long FLOCK_AT = (CAPTURE.byteSize() + 7) & -8; // ofdLock's struct flock: past the capture, 8-byte aligned
    private static final long SCRATCH_BYTES = Math.max(64, FLOCK_AT + flock.SIZEOF);
    private static final ScratchPool SCRATCH = new ScratchPool(64, SCRATCH_BYTES, SCRATCH_BYTES);

    private LibC() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = ERRNO_OPTION;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment addr = LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(addr, fd, options);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    private static final MethodHandle OPENAT = bind("openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PREAD = bind("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = bind("pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PREADV = bind("preadv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle PWRITEV = bind("pwritev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FSYNC = bind("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FDATASYNC = bind("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SYNCFILERANGE = bind("sync_file_range", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FALLOCATE = bind("fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FTRUNCATE = bind("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle STATX = bind("statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle RENAMEAT2 = bind("renameat2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNLINKAT = bind("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MKDIRAT = bind("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LINKAT = bind("linkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MADVISE = bind("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUNMAP0 = bind("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MSYNC0 = bind("msync", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle COPYFILERANGE0 = bind("copy_file_range", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SYSCALL_OPENAT2 = bind("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle POSIX_FADVISE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("posix_fadvise").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MMAP = bind("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FCNTL_PTR = bind("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_LONG = bind("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));

    /** openat(2); a new fd or -errno. */
    public static int openat(int dirfd, MemorySegment path, int flags, int mode) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) OPENAT.invokeExact(st, dirfd, path, flags, mode);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** close(2). */
    public static int close(int fd) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) CLOSE.invokeExact(st, fd);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** pread(2) into native memory at {@code buf}'s address. */
    public static long pread(int fd, MemorySegment buf, long count, long offset) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            long r = (long) PREAD.invokeExact(st, fd, buf, count, offset);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** pwrite(2) from native memory at {@code buf}'s address. */
    public static long pwrite(int fd, MemorySegment buf, long count, long offset) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            long r = (long) PWRITE.invokeExact(st, fd, buf, count, offset);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** preadv(2). */
    public static long preadv(int fd, MemorySegment iov, int iovcnt, long offset) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            long r = (long) PREADV.invokeExact(st, fd, iov, iovcnt, offset);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** pwritev(2). */
    public static long pwritev(int fd, MemorySegment iov, int iovcnt, long offset) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            long r = (long) PWRITEV.invokeExact(st, fd, iov, iovcnt, offset);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** fsync(2). */
    public static int fsync(int fd) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) FSYNC.invokeExact(st, fd);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** fdatasync(2). */
    public static int fdatasync(int fd) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) FDATASYNC.invokeExact(st, fd);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** sync_file_range(2). */
    public static int syncFileRange(int fd, long offset, long nbytes, int flags) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) SYNCFILERANGE.invokeExact(st, fd, offset, nbytes, flags);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** fallocate(2). */
    public static int fallocate(int fd, int mode, long offset, long len) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) FALLOCATE.invokeExact(st, fd, mode, offset, len);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** ftruncate(2). */
    public static int ftruncate(int fd, long length) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) FTRUNCATE.invokeExact(st, fd, length);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** statx(2). */
    public static int statx(int dirfd, MemorySegment path, int flags, int mask, MemorySegment statxbuf) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) STATX.invokeExact(st, dirfd, path, flags, mask, statxbuf);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** renameat2(2) (RENAME_NOREPLACE, RENAME_EXCHANGE). */
    public static int renameat2(int olddirfd, MemorySegment oldpath, int newdirfd, MemorySegment newpath, int flags) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) RENAMEAT2.invokeExact(st, olddirfd, oldpath, newdirfd, newpath, flags);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** unlinkat(2). */
    public static int unlinkat(int dirfd, MemorySegment path, int flags) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) UNLINKAT.invokeExact(st, dirfd, path, flags);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** mkdirat(2). */
    public static int mkdirat(int dirfd, MemorySegment path, int mode) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) MKDIRAT.invokeExact(st, dirfd, path, mode);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** linkat(2). */
    public static int linkat(int olddirfd, MemorySegment oldpath, int newdirfd, MemorySegment newpath, int flags) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) LINKAT.invokeExact(st, olddirfd, oldpath, newdirfd, newpath, flags);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** madvise(2). */
    public static int madvise(MemorySegment addr, long len, int advice) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) MADVISE.invokeExact(st, addr, len, advice);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** munmap(2). */
    private static int munmap0(MemorySegment addr, long len) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) MUNMAP0.invokeExact(st, addr, len);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** msync(2). */
    private static int msync0(MemorySegment addr, long len, int flags) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) MSYNC0.invokeExact(st, addr, len, flags);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** copy_file_range(2). */
    private static long copyFileRange0(int fdIn, MemorySegment offIn, int fdOut, MemorySegment offOut, long len, int flags) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            long r = (long) COPYFILERANGE0.invokeExact(st, fdIn, offIn, fdOut, offOut, len, flags);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** openat2(2) through {@code syscall(SYS_openat2, …)} (glibc has no wrapper); {@code how} is a {@code struct open_how}. */
    public static int openat2(int dirfd, MemorySegment path, MemorySegment how, long size) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            long r = (long) SYSCALL_OPENAT2.invokeExact(st, (long) uring_h.SYS_openat2, dirfd, path, how, size);
            return r < 0 ? -errno(st) : (int) r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** posix_fadvise(2): returns the error number itself rather than setting errno; turned into -errno here. */
    public static int posixFadvise(int fd, long offset, long len, int advice) {
        try {
            int r = (int) POSIX_FADVISE.invokeExact(fd, offset, len, advice);
            return -r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mmap(2) of {@code len} bytes; the segment is sized (restricted reinterpret stays in this module). */
    public static MemorySegment mmap(long len, int prot, int flags, int fd, long offset) throws NativeException {
        long address = mmapAddress(len, prot, flags, fd, offset);
        if (address < 0) throw NativeException.of("mmap", null, (int) address);
        return MemorySegment.ofAddress(address).reinterpret(len);
    }

    /**
     * mmap(2): the mapping's address, or {@code -errno} (no user mapping lies in the top
     * 4 KiB of the address space, where those values are). For callers outside this module,
     * which turn it into a segment with {@link #mapped}.
     */
    public static long mmapAddress(long len, int prot, int flags, int fd, long offset) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            MemorySegment r = (MemorySegment) MMAP.invokeExact(st, MemorySegment.NULL, len, prot, flags, fd, offset);
            return r.address() == -1L ? -errno(st) : r.address();
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /**
     * The mapping of {@code len} bytes at {@code address} (from {@link #mmapAddress}) with
     * {@code arena}'s lifetime: closing the arena unmaps it, and any later access throws
     * instead of touching unmapped memory.
     */
    public static MemorySegment mapped(long address, long len, Arena arena) {
        return MemorySegment.ofAddress(address).reinterpret(len, arena, s -> munmap0(MemorySegment.ofAddress(address), len));
    }

    /**
     * mmap(2) of {@code len} bytes whose lifetime is {@code arena}'s: closing the arena
     * unmaps it, and any later access throws instead of touching unmapped memory.
     */
    public static MemorySegment mmap(long len, int prot, int flags, int fd, long offset, Arena arena) throws NativeException {
        return mapped(mmap(len, prot, flags, fd, offset).address(), len, arena);
    }

    public static int munmap(MemorySegment mapping) {
        return munmap0(mapping, mapping.byteSize());
    }

    public static int msync(MemorySegment mapping, int flags) {
        return msync0(mapping, mapping.byteSize(), flags);
    }

    /** fcntl(2) with a pointer argument ({@code F_OFD_SETLK} and the like, with a {@code struct flock}). */
    public static int fcntlLock(int fd, int cmd, MemorySegment flock) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) FCNTL_PTR.invokeExact(st, fd, cmd, flock);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /**
     * fcntl(2) on an OFD byte-range lock of {@code len} bytes at {@code start} (SEEK_SET), its
     * {@code struct flock} in the call's scratch: nothing allocated. {@code F_OFD_SETLK} and
     * {@code F_OFD_SETLKW} return 0 or -errno; {@code F_OFD_GETLK} returns the {@code l_type} found
     * ({@code F_UNLCK} when nobody else holds a conflicting lock) or -errno.
     */
    public static int ofdLock(int fd, int cmd, int type, long start, long len) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            MemorySegment fl = st.asSlice(FLOCK_AT, flock.SIZEOF);
            fl.fill((byte) 0); // l_pid must be 0 for an OFD lock, and the cell holds an earlier call's bytes
            fl.set(JAVA_SHORT, flock.l_type$OFFSET, (short) type);
            fl.set(JAVA_SHORT, flock.l_whence$OFFSET, (short) uring_h.SEEK_SET);
            fl.set(JAVA_LONG, flock.l_start$OFFSET, start);
            fl.set(JAVA_LONG, flock.l_len$OFFSET, len);
            int r = (int) FCNTL_PTR.invokeExact(st, fd, cmd, fl);
            if (r < 0) return -errno(st);
            return cmd == uring_h.F_OFD_GETLK ? fl.get(JAVA_SHORT, flock.l_type$OFFSET) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the cell any more
        }
    }

    /** ioctl(2) with an integer argument (e.g. {@code FICLONE} with the source fd). */
    public static int ioctlPtr(int fd, long request, long arg) {
        ScratchPool.Lease lease = SCRATCH.acquire(SCRATCH_BYTES);
        MemorySegment st = lease.memory();
        try {
            int r = (int) IOCTL_LONG.invokeExact(st, fd, request, arg);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            lease.release(); // the call has returned: nothing uses the capture any more
        }
    }

    /** copy_file_range(2) from the current offsets of both fds. */
    public static long copyFileRange(int fdIn, int fdOut, long len) {
        return copyFileRange0(fdIn, MemorySegment.NULL, fdOut, MemorySegment.NULL, len, 0);
    }
}
