package io.txring.core;

import static io.txring.uring.generated.uring_h.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Not a test: a soak of ConcurrencyTest's SHARED body, run many times in one JVM, with a
 * watchdog that dumps everything needed to explain a hang — the ring's fdinfo, its heads
 * and tails and slots in flight, a JSON thread dump and every task's kernel stack — then
 * exits 3. Each run's safety-net counters ({@link RingMetrics#safetyNetCatches()}) are printed when
 * not 0. Usage: {@code java -cp … io.txring.core.ConcurrencySoak RUNS MAX_SECONDS DUMP_DIR [backend]}.
 */
public final class ConcurrencySoak {
    private static final long HANG_NANOS = 30_000_000_000L;

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(args[0]);
        long deadline = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
        Path dumps = Path.of(args[2]);
        String backend = args.length > 3 ? args[3] : "io_uring-SHARED";
        Files.createDirectories(dumps);
        installLostUnparkProbe();
        Path dir = Files.createTempDirectory("soak");
        int done = 0;
        long worstMs = 0;
        RingMetrics total = new RingMetrics(0, 0, 0, 0, 0, 0);
        for (; done < runs && System.nanoTime() < deadline; done++) {
            long t0 = System.nanoTime();
            RingMetrics m = once(backend, dir, dumps, done);
            if (m.safetyNetCatches() != 0) System.out.println("run " + done + ": the safety net caught " + m);
            worstMs = Math.max(worstMs, (System.nanoTime() - t0) / 1_000_000);
            total = plus(total, m);
            if (done % 25 == 24) System.out.println("runs " + (done + 1) + " worst " + worstMs + " ms; totals " + total);
        }
        System.out.println("RESULT runs=" + done + " hangs=0 worstMs=" + worstMs + " totals=" + total);
        System.exit(0);
    }

    /**
     * With {@code --add-opens java.base/java.lang=ALL-UNNAMED}: prints the JDK's own state of each
     * virtual thread the safety net finds still parked a slice after its unpark returned.
     */
    private static void installLostUnparkProbe() {
        try {
            Class<?> vt = Class.forName("java.lang.VirtualThread");
            var state = vt.getDeclaredField("state");
            var permit = vt.getDeclaredField("parkPermit");
            state.setAccessible(true);
            permit.setAccessible(true);
            SafetyNet.lostUnparkProbe = t -> {
                try {
                    System.out.println("lost unpark: " + t + " VirtualThread.state=" + state.get(t) + " (4 PARKED, 7 TIMED_PARKED)"
                            + " parkPermit=" + permit.get(t) + " getState=" + t.getState() + " blocker=" + java.util.concurrent.locks.LockSupport.getBlocker(t));
                } catch (IllegalAccessException e) {
                    System.out.println("lost unpark: " + t + " (" + e + ")");
                }
            };
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.out.println("no lost-unpark probe (run with --add-opens java.base/java.lang=ALL-UNNAMED): " + e);
        }
    }

    private static RingMetrics plus(RingMetrics a, RingMetrics b) {
        return new RingMetrics(a.submitted() + b.submitted(), a.completed() + b.completed(), a.enters() + b.enters(),
                a.wakeups() + b.wakeups(), a.cqOverflows() + b.cqOverflows(), a.inline() + b.inline(),
                a.enterRetries() + b.enterRetries(), a.enterFailures() + b.enterFailures(),
                a.missedWakeups() + b.missedWakeups(), a.strandedCompletions() + b.strandedCompletions(),
                a.strandedSqes() + b.strandedSqes());
    }

    private static RingMetrics once(String backend, Path dir, Path dumps, int run) throws Exception {
        try (Ring ring = Ring.open(Backends.builder(backend).entries(256).build())) {
            Thread watchdog = Thread.ofPlatform().daemon().name("soak-watchdog").start(() -> {
                try {
                    Thread.sleep(HANG_NANOS / 1_000_000);
                } catch (InterruptedException e) {
                    return;
                }
                dump(ring, dumps.resolve("hang-run" + run));
                System.out.println("HANG in run " + run + ": dumped to " + dumps.resolve("hang-run" + run));
                System.exit(3);
            });
            int fd = ring.call(Op.openat(AT_FDCWD, dir.resolve("shared").toString(), O_CREAT | O_RDWR | O_TRUNC, 0644));
            MemorySegment src = Arena.global().allocate(128);
            AtomicLong delivered = new AtomicLong();
            AtomicLong wrong = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            RingMetrics before = ring.metrics();
            for (int t = 0; t < 64; t++) {
                int len = t % 100 + 1;
                threads.add(Thread.ofPlatform().unstarted(() -> work(ring, fd, src, len, 200, delivered, wrong)));
            }
            for (int t = 0; t < 10_000; t++) {
                int len = t % 100 + 1;
                threads.add(Thread.ofVirtual().unstarted(() -> work(ring, fd, src, len, 5, delivered, wrong)));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) t.join();
            RingMetrics d = ring.metrics().minus(before);
            long expected = 64 * 200 + 10_000 * 5;
            if (wrong.get() != 0 || delivered.get() != expected || d.submitted() != expected || d.completed() != expected) {
                throw new AssertionError("run " + run + ": wrong=" + wrong + " delivered=" + delivered + " metrics=" + d);
            }
            ring.call(Op.close(fd));
            watchdog.interrupt();
            return d;
        }
    }

    private static void work(Ring ring, int fd, MemorySegment src, int len, int n, AtomicLong delivered, AtomicLong wrong) {
        Op op = new Op();
        for (int i = 0; i < n; i++) {
            int res = ring.callRaw(op.prepWrite(fd, src.asSlice(0, len), len * 128L));
            if (res != len) wrong.incrementAndGet();
            delivered.incrementAndGet();
        }
    }

    /** Everything a hang needs explaining, into {@code out/}. */
    static void dump(Ring ring, Path out) {
        try {
            Files.createDirectories(out);
            StringBuilder b = new StringBuilder();
            b.append(ring.debugState()).append('\n');
            b.append("metrics ").append(ring.metrics()).append('\n');
            if (ring.backend() == Backend.IO_URING) {
                b.append("---- /proc/self/fdinfo/").append(ring.uringFd()).append('\n');
                b.append(read(Path.of("/proc/self/fdinfo/" + ring.uringFd())));
            }
            Files.writeString(out.resolve("ring.txt"), b);
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            new ProcessBuilder(jcmd.toString(), Long.toString(ProcessHandle.current().pid()), "Thread.dump_to_file",
                    "-format=json", out.resolve("threads.json").toString()).inheritIO().start().waitFor();
            StringBuilder k = new StringBuilder();
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : tasks.sorted().toList()) {
                    String comm = read(t.resolve("comm")).strip();
                    String stat = read(t.resolve("stat"));
                    int paren = stat.lastIndexOf(')');
                    String state = paren > 0 && paren + 3 <= stat.length() ? stat.substring(paren + 2, paren + 3) : "?";
                    k.append("== tid ").append(t.getFileName()).append(' ').append(comm).append(" state ").append(state)
                            .append(" wchan ").append(read(t.resolve("wchan")).strip()).append('\n');
                    if (comm.startsWith("iou-") || !state.equals("S") || comm.startsWith("txring") || comm.startsWith("Fork")) {
                        k.append(read(t.resolve("stack")));
                    }
                }
            }
            Files.writeString(out.resolve("tasks.txt"), k);
        } catch (Throwable e) {
            e.printStackTrace();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")\n";
        }
    }
}
