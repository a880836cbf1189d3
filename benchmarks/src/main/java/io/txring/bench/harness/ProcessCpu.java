package io.txring.bench.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this process in nanoseconds, read from {@code /proc/self/task/<tid>/schedstat}
 * (ns resolution, where {@code /proc/self/stat} counts 10 ms ticks). Every thread of the
 * process is listed there — the JVM's, and the kernel's io_uring threads that belong to it
 * ({@code iou-sqp-<pid>} polling for SQPOLL, {@code iou-wrk-<pid>} io-wq workers) — so
 * SQPOLL's spinning is counted. A thread that exits during a round loses its share since
 * the round began; io-wq workers idle for seconds before they exit, so rounds rarely lose any.
 */
public final class ProcessCpu {
    private static final Path TASKS = Path.of("/proc/self/task");

    private ProcessCpu() {}

    public static long nanos() {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path t : tasks) {
                try {
                    String s = Files.readString(t.resolve("schedstat"));
                    sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
                } catch (IOException e) {
                    // the thread exited between the listing and the read: nothing to add
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sum;
    }

    /** Names of this process's threads, for checking that the kernel's io_uring threads are there. */
    public static java.util.List<String> threadNames() throws IOException {
        java.util.List<String> names = new java.util.ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path t : tasks) {
                try {
                    names.add(Files.readString(t.resolve("comm")).strip());
                } catch (IOException e) {
                    // exited meanwhile
                }
            }
        }
        return names;
    }
}
