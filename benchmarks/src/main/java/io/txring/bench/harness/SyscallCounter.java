package io.txring.bench.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Counts a process's system calls (every thread; tracepoint {@code raw_syscalls:sys_enter})
 * with {@code perf stat -p} — this one's, or a server's the bench started — for one extra
 * round per variant that is not timed. Ops that
 * io_uring runs in the kernel — inline or on io-wq workers — make no syscall, so txring's
 * count is its {@code io_uring_enter} calls plus what the JVM does meanwhile.
 *
 * <p>{@link #startPerThread} counts this process thread by thread, and only between that call
 * and {@link #stopPerThread} (perf's events switched on and off through its control fifos),
 * for figures that must not include the counting's own start-up.
 */
public final class SyscallCounter {
    private static final Path PERF = Path.of("/usr/bin/perf");

    private final Process perf;
    private final Path out;
    /** Per-thread counting only: perf's control and ack fifos (in {@link #fifos}), else null. */
    private final OutputStream control;
    private final InputStream ack;
    private final Path fifos;

    private SyscallCounter(Process perf, Path out, OutputStream control, InputStream ack, Path fifos) {
        this.perf = perf;
        this.out = out;
        this.control = control;
        this.ack = ack;
        this.fifos = fifos;
    }

    public static boolean available() {
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
        return new SyscallCounter(p, out, null, null, null);
    }

    /** Stops perf (SIGINT makes it print its counts) and returns the syscalls it saw, or -1. */
    long stop() throws IOException, InterruptedException {
        try {
            if (!finish()) return -1;
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

    /** One line of {@code perf stat --per-thread}: what one thread ({@code comm}, {@code tid}) made of one event. */
    public record ThreadCount(String comm, String tid, String event, long count) {}

    /**
     * Starts counting {@code events} (tracepoints) for every thread of this process, switched on
     * when this returns; the counting's own calls are the 2–3 of its switch-off. Null when perf
     * is not installed or could not start.
     */
    public static SyscallCounter startPerThread(String... events) throws IOException, InterruptedException {
        if (!available()) return null;
        Path fifos = Files.createTempDirectory("txring-perf-");
        Path ctl = fifos.resolve("ctl"), ackFifo = fifos.resolve("ack"), out = fifos.resolve("counts.csv");
        if (new ProcessBuilder("mkfifo", ctl.toString(), ackFifo.toString()).inheritIO().start().waitFor() != 0) {
            Files.deleteIfExists(fifos);
            return null;
        }
        List<String> cmd = new ArrayList<>(List.of(PERF.toString(), "stat", "--per-thread", "-x,", "-D", "-1",
                "--control", "fifo:" + ctl + "," + ackFifo));
        for (String e : events) cmd.addAll(List.of("-e", e));
        cmd.addAll(List.of("-p", Long.toString(ProcessHandle.current().pid()), "-o", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // Each open waits for perf to open the other end.
        SyscallCounter c = new SyscallCounter(p, out, Files.newOutputStream(ctl), Files.newInputStream(ackFifo), fifos);
        c.command("enable");
        return c;
    }

    /** Switches counting off, stops perf and returns every thread's counts (empty if perf failed). */
    public List<ThreadCount> stopPerThread() throws IOException, InterruptedException {
        List<ThreadCount> counts = new ArrayList<>();
        try {
            command("disable");
            if (!finish()) return counts;
            for (String line : Files.readAllLines(out)) {
                String[] f = line.split(",");
                if (f.length < 4 || f[1].isEmpty() || !Character.isDigit(f[1].charAt(0))) continue; // headers, "<not counted>"
                int dash = f[0].lastIndexOf('-');
                counts.add(new ThreadCount(dash > 0 ? f[0].substring(0, dash) : f[0], dash > 0 ? f[0].substring(dash + 1) : "",
                        f[3], Long.parseLong(f[1])));
            }
            return counts;
        } finally {
            control.close();
            ack.close();
            for (Path f : new Path[] {out, fifos.resolve("ctl"), fifos.resolve("ack"), fifos}) Files.deleteIfExists(f);
        }
    }

    /** Writes a control command and waits for perf's "ack" line: the events are switched when it returns. */
    private void command(String what) throws IOException {
        control.write((what + "\n").getBytes(StandardCharsets.US_ASCII));
        control.flush();
        while (true) {
            int b = ack.read();
            if (b < 0) throw new IOException("perf closed its ack fifo");
            if (b == '\n') return;
        }
    }

    /** SIGINT makes perf stat print its counts and end; false if it did not within 10 s. */
    private boolean finish() throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-INT", Long.toString(perf.pid())).start().waitFor(5, TimeUnit.SECONDS);
        if (perf.waitFor(10, TimeUnit.SECONDS)) return true;
        perf.destroyForcibly();
        return false;
    }
}
