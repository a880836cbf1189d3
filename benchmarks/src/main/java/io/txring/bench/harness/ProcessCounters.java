package io.txring.bench.harness;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A snapshot of another process's counters, for a server the bench started: user and system
 * CPU from {@code /proc/<pid>/stat} (ticks; the process total, so threads that exited are in
 * it), each live thread's context switches from {@code /proc/<pid>/task/<tid>/status}, and the
 * CPU of a JVM's JIT compiler threads ({@code C1/C2 CompilerThread*}; 0 for other programs).
 */
public record ProcessCounters(long userTicks, long sysTicks, Map<Long, Long> switchesByThread, long jitTicks) {
    public static final long NANOS_PER_TICK = 10_000_000; // USER_HZ is 100 on Linux x86-64 and arm64

    public static ProcessCounters of(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = statFields(stat);
        Map<Long, Long> switches = new HashMap<>();
        long jit = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks) {
                try {
                    switches.put(Long.parseLong(t.getFileName().toString()), switches(Files.readString(t.resolve("status"))));
                    if (Files.readString(t.resolve("comm")).matches("C[12] CompilerThre.*\\s*")) jit += cpuTicks(Files.readString(t.resolve("stat")));
                } catch (IOException e) {
                    // the thread exited between the listing and the read
                }
            }
        }
        return new ProcessCounters(Long.parseLong(f[11]), Long.parseLong(f[12]), switches, jit);
    }

    /** The fields of a {@code stat} line after the command name (which may hold spaces): utime is [11], stime [12]. */
    private static String[] statFields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** utime + stime of one {@code stat} line. */
    private static long cpuTicks(String stat) {
        String[] f = statFields(stat);
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** The JIT compilers' share of the process's CPU since {@code before}: high while the JVM still warms up. */
    public double jitShareSince(ProcessCounters before) {
        long all = userTicks + sysTicks - before.userTicks - before.sysTicks;
        return all <= 0 ? 0 : (double) (jitTicks - before.jitTicks) / all;
    }

    static long switches(String status) {
        long n = 0;
        for (String line : status.split("\n")) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                n += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return n;
    }

    public long userNanosSince(ProcessCounters before) {
        return (userTicks - before.userTicks) * NANOS_PER_TICK;
    }

    public long sysNanosSince(ProcessCounters before) {
        return (sysTicks - before.sysTicks) * NANOS_PER_TICK;
    }

    /**
     * Switches since {@code before}, thread by thread (a thread born since counts from 0). A
     * thread that exited in between takes its switches with it: the count is a lower bound.
     */
    public long switchesSince(ProcessCounters before) {
        long n = 0;
        for (var e : switchesByThread.entrySet()) n += e.getValue() - before.switchesByThread.getOrDefault(e.getKey(), 0L);
        return n;
    }
}
