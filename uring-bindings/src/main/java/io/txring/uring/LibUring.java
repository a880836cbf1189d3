package io.txring.uring;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.txring.uring.generated.io_uring_probe;
import io.txring.uring.generated.io_uring_probe_op;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Downcalls into liburing.so.2 (setup, teardown, registration, probe, enter). Every call
 * returns what liburing returns: a count or 0 on success, {@code -errno} on failure.
 * No {@code captureCallState("errno")} is needed: in liburing 2.3 every exported function
 * here goes through its internal {@code __sys_io_uring_*} wrappers, which return
 * {@code -errno} themselves — the raw-syscall build (x86_64 default) returns the kernel's
 * negative result, the libc-{@code syscall()} build maps {@code -1} to {@code -errno}
 * (src/arch/generic/syscall.h). {@code NativeCallsTest} checks it ({@code enter} on a bad
 * fd gives {@code -EBADF}).
 * Its {@code static inline} helpers (get_sqe, cqe_seen, prep_*) cannot be bound: core
 * does their work in Java on the ring memory. If the library is missing, class
 * initialisation still succeeds: {@link #isAvailable()} says so and calls throw.
 */
public final class LibUring {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB;
    private static final String UNAVAILABLE;

    static {
        SymbolLookup lib = null;
        String why = null;
        try {
            lib = SymbolLookup.libraryLookup("liburing.so.2", Arena.global());
        } catch (IllegalArgumentException e) {
            why = "liburing.so.2 not found: " + e.getMessage();
        }
        LIB = lib;
        UNAVAILABLE = why;
    }

    private static final MethodHandle QUEUE_INIT_PARAMS = bind("io_uring_queue_init_params", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle QUEUE_EXIT = bind("io_uring_queue_exit", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle ENTER = bind("io_uring_enter", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle GET_PROBE_RING = bind("io_uring_get_probe_ring", FunctionDescriptor.of(ADDRESS, ADDRESS));
    private static final MethodHandle FREE_PROBE = bind("io_uring_free_probe", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle REGISTER_FILES_SPARSE = bind("io_uring_register_files_sparse", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle REGISTER_BUFFERS = bind("io_uring_register_buffers", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));

    private LibUring() {}

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        if (LIB == null) return null;
        return LIB.find(name).map(addr -> LINKER.downcallHandle(addr, fd)).orElse(null);
    }

    /** Whether liburing.so.2 was found; when not, every call throws {@link UnsupportedOperationException}. */
    public static boolean isAvailable() {
        return LIB != null;
    }

    /** Why liburing cannot be used, or {@code null}. */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    private static MethodHandle check(MethodHandle h, String name) {
        if (h == null) throw new UnsupportedOperationException(UNAVAILABLE != null ? UNAVAILABLE : name + " is not exported by this liburing");
        return h;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** {@code io_uring_queue_init_params}: sets up the ring and fills {@code struct io_uring}; 0 or -errno. */
    public static int queueInitParams(int entries, MemorySegment ring, MemorySegment params) {
        try {
            return (int) check(QUEUE_INIT_PARAMS, "io_uring_queue_init_params").invokeExact(entries, ring, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void queueExit(MemorySegment ring) {
        try {
            check(QUEUE_EXIT, "io_uring_queue_exit").invokeExact(ring);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code io_uring_enter(fd, to_submit, min_complete, flags, NULL)}: SQEs consumed, or
     * -errno (-EINTR, -EAGAIN, -EBUSY… are the caller's to handle). With
     * {@code IORING_ENTER_GETEVENTS} this blocks: call it from a platform thread.
     */
    public static int enter(int ringFd, int toSubmit, int minComplete, int flags) {
        try {
            return (int) check(ENTER, "io_uring_enter").invokeExact(ringFd, toSubmit, minComplete, flags, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The kernel's opcode probe, sized to hold its ops array, or {@link MemorySegment#NULL}. */
    public static MemorySegment getProbeRing(MemorySegment ring) {
        try {
            MemorySegment p = (MemorySegment) check(GET_PROBE_RING, "io_uring_get_probe_ring").invokeExact(ring);
            if (p.equals(MemorySegment.NULL)) return p;
            // liburing allocates the probe with room for 256 ops.
            return p.reinterpret(io_uring_probe.ops$OFFSET + 256 * io_uring_probe_op.SIZEOF);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void freeProbe(MemorySegment probe) {
        try {
            check(FREE_PROBE, "io_uring_free_probe").invokeExact(probe);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int registerFilesSparse(MemorySegment ring, int count) {
        try {
            return (int) check(REGISTER_FILES_SPARSE, "io_uring_register_files_sparse").invokeExact(ring, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int registerBuffers(MemorySegment ring, MemorySegment iovecs, int count) {
        try {
            return (int) check(REGISTER_BUFFERS, "io_uring_register_buffers").invokeExact(ring, iovecs, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
