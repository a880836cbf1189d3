package io.txring.bench.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this whole process in nanoseconds. Every thread of the process is listed in
 * {@code /proc/self/task} — the JVM's, and the kernel's io_uring threads that belong to it
 * ({@code iou-sqp-<pid>} polling for SQPOLL, {@code iou-wrk-<pid>} io-wq workers) — so
 * SQPOLL's spinning is counted. Live threads are read from their {@code schedstat}
 * (ns resolution); threads that already exited (a round's worker threads, idle io-wq
 * workers) only survive in {@code /proc/self/stat}'s process total, in clock ticks, so
 * their share is that total minus the live threads' ticks.
 */
public final class ProcessCpu {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final long NANOS_PER_TICK = 10_000_000; // USER_HZ is 100 on Linux x86-64 and arm64

    private ProcessCpu() {}

    public static long nanos() {
        try {
            long liveNanos = 0, liveTicks = 0;
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
                for (Path t : tasks) {
                    try {
                        String s = Files.readString(t.resolve("schedstat"));
                        long ticks = ticks(Files.readString(t.resolve("stat")));
                        liveNanos += Long.parseLong(s.substring(0, s.indexOf(' ')));
                        liveTicks += ticks;
                    } catch (IOException e) {
                        // the thread exited between the listing and the read: the process total has it
                    }
                }
            }
            long deadTicks = Math.max(0, ticks(Files.readString(Path.of("/proc/self/stat"))) - liveTicks);
            return liveNanos + deadTicks * NANOS_PER_TICK;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** utime + stime (fields 14 and 15) of a stat line; the command name may hold spaces, so count from its ')'. */
    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
