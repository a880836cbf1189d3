package io.txring.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Counts a process's system calls (every thread; tracepoint {@code raw_syscalls:sys_enter})
 * with {@code perf stat -p} — this one's, or a server's the bench started — for one extra
 * round per variant that is not timed. Ops that
 * io_uring runs in the kernel — inline or on io-wq workers — make no syscall, so txring's
 * count is its {@code io_uring_enter} calls plus what the JVM does meanwhile.
 */
final class SyscallCounter {
    private static final Path PERF = Path.of("/usr/bin/perf");

    private final Process perf;
    private final Path out;

    private SyscallCounter(Process perf, Path out) {
        this.perf = perf;
        this.out = out;
    }

    static boolean available() {
        return Files.isExecutable(PERF);
    }

    /** Attaches perf to process {@code pid}; returns once it counts, or null if it could not start. */
    static SyscallCounter start(long pid) throws IOException, InterruptedException {
        Path out = Files.createTempFile("txring-perf-", ".csv");
        Process p = new ProcessBuilder(PERF.toString(), "stat", "-e", "raw_syscalls:sys_enter", "-x,", "-o", out.toString(),
                "-p", Long.toString(pid)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; i < 100 && Files.size(out) == 0 && p.isAlive(); i++) Thread.sleep(20); // perf writes its header once attached
        if (!p.isAlive()) {
            Files.deleteIfExists(out);
            return null;
        }
        Thread.sleep(50);
        return new SyscallCounter(p, out);
    }

    /** Stops perf (SIGINT makes it print its counts) and returns the syscalls it saw, or -1. */
    long stop() throws IOException, InterruptedException {
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(perf.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!perf.waitFor(10, TimeUnit.SECONDS)) {
                perf.destroyForcibly();
                return -1;
            }
            for (String line : Files.readAllLines(out)) {
                if (line.contains("raw_syscalls:sys_enter")) {
                    String count = line.substring(0, line.indexOf(','));
                    return count.chars().allMatch(Character::isDigit) && !count.isEmpty() ? Long.parseLong(count) : -1;
                }
            }
            return -1;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
