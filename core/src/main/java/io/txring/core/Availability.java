package io.txring.core;

import io.txring.uring.generated.Errno;
import io.txring.uring.LibUring;
import io.txring.uring.NativeException;
import io.txring.uring.generated.io_uring;
import io.txring.uring.generated.io_uring_params;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether io_uring can be used here, probed with a tiny ring, and why not
 * (Netty's {@code IoUring.isAvailable()/unavailabilityCause()}). The kill switch
 * {@code -Dtxring.backend=blocking} bypasses it.
 */
final class Availability {
    record Result(boolean available, String cause) {}

    private static final AtomicBoolean LOGGED = new AtomicBoolean();
    private static volatile Result cached;

    private Availability() {}

    /** A positive answer is kept; a negative one is probed again next time (one failed syscall), since a sysctl can change. */
    static Result check() {
        Result r = cached;
        if (r != null) return r;
        r = probe();
        if (r.available()) cached = r;
        return r;
    }

    private static Result probe() {
        if (!LibUring.isAvailable()) return new Result(false, "liburing missing: " + LibUring.unavailableReason());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ring = a.allocate(io_uring.LAYOUT);
            MemorySegment params = a.allocate(io_uring_params.LAYOUT);
            int ret = LibUring.queueInitParams(2, ring, params);
            if (ret < 0) return explain(NativeException.of("io_uring_setup", null, ret));
            LibUring.queueExit(ring);
            return new Result(true, null);
        }
    }

    /** Turns a setup failure into the cause users see (and can act on). */
    static Result explain(NativeException e) {
        int errno = e.errno();
        String what;
        if (errno == Errno.EPERM) {
            String disabled = sysctl("kernel/io_uring_disabled");
            // with the sysctl at 0 the kernel allows io_uring, so the refusal is the sandbox's
            what = "0".equals(disabled)
                    ? "io_uring_setup: EPERM — blocked by a seccomp profile (Docker ≥ 25, containerd); kernel.io_uring_disabled=0"
                    : "io_uring_setup: EPERM — blocked by kernel.io_uring_disabled=" + disabled + " or by a seccomp profile (Docker ≥ 25, containerd)";
        } else if (errno == Errno.ENOSYS) {
            what = "io_uring_setup: ENOSYS — this kernel has no io_uring (Linux ≥ 5.1 needed, ≥ 5.15 for every txring op)";
        } else if (errno == Errno.ENOMEM) {
            what = "io_uring_setup: ENOMEM — RLIMIT_MEMLOCK too low for the rings (raise `ulimit -l`)";
        } else {
            what = e.getMessage();
        }
        return new Result(false, what);
    }

    private static String sysctl(String name) {
        try {
            return Files.readString(Path.of("/proc/sys", name)).strip();
        } catch (Exception ex) {
            return "(unreadable)";
        }
    }

    static void logOnce(System.Logger log, String cause) {
        if (LOGGED.compareAndSet(false, true)) {
            log.log(System.Logger.Level.WARNING, "txring: io_uring unavailable, using the blocking backend: " + cause);
        }
    }
}
