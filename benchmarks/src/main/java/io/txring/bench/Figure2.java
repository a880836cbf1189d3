package io.txring.bench;

import static io.txring.uring.generated.uring_h.AT_FDCWD;
import static io.txring.uring.generated.uring_h.O_CREAT;
import static io.txring.uring.generated.uring_h.O_DIRECTORY;
import static io.txring.uring.generated.uring_h.O_EXCL;
import static io.txring.uring.generated.uring_h.O_RDONLY;
import static io.txring.uring.generated.uring_h.O_WRONLY;

import io.txring.core.Backend;
import io.txring.core.Mode;
import io.txring.core.Op;
import io.txring.core.Ring;
import io.txring.core.RingConfig;
import io.txring.core.RingMetrics;
import io.txring.bench.harness.ProcessCpu;
import io.txring.bench.harness.SyscallCounter;
import io.txring.txn.Store;
import io.txring.txn.Transaction;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * {@code ./txring figure2}: the seed's Figure 2 — begin, open, map, write 128 bytes through
 * the mapping, commit (durably) — in two variants. Each is shown once (a reader sees the old
 * content until the commit and the new after), then timed over {@value #ROUNDS} transactions
 * after {@value #WARMUP} warm-up ones, while {@code perf stat} ({@link SyscallCounter}) counts the syscalls (traps) of the
 * calling thread and of txring's own threads with the kernel's syscall tracepoints:
 * <ol>
 *   <li><b>store</b>: a {@link Store} transaction on the default ring — conflict detection,
 *       several processes on one store, crash recovery;</li>
 *   <li><b>chain</b>: the same change as one linked chain on a {@link Mode#SQPOLL_SINGLE_ISSUER}
 *       ring, every op on the ring — the directory, the file and a shadow opened into direct
 *       descriptors, the private copy read, written to the shadow with the 128 bytes over it,
 *       fdatasync, rename over the file, the directory fsynced, the descriptors closed — and
 *       one wait: no trap to submit (the kernel thread polls), one to wait.</li>
 * </ol>
 */
public final class Figure2 {
    static final int ROUNDS = 1000, WARMUP = 500;
    private static final int SIZE = 4096, CHANGED = 128;

    private Figure2() {}

    /** One variant's figures: per-transaction wall times (ns) and traps counted by perf, or null without perf. */
    record Result(String name, long[] nanos, long cpuNanos, SyscallCount traps, RingMetrics ring) {
        long percentile(int p) {
            long[] s = nanos.clone();
            Arrays.sort(s);
            return s[Math.min(s.length - 1, s.length * p / 100)];
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Files.createTempDirectory("txring-figure2-");
        try {
            Files.write(root.resolve("data"), new byte[SIZE]);
            Result store = storeVariant(root);
            Result chain = chainVariant(root);
            System.out.println();
            System.out.printf("%d durable transactions per variant (after %d warm-up), on %s:%n", ROUNDS, WARMUP, root);
            System.out.printf("%-52s %10s %12s %16s %18s %12s%n", "variant", "median µs", "p10–p90 µs", "traps/tx (perf)", "io_uring_enter/tx", "CPU µs/tx");
            for (Result r : new Result[] {store, chain}) {
                String traps = r.traps == null ? "perf missing" : String.format("%.3f", r.traps.total() / (double) ROUNDS);
                String enters = r.traps == null ? String.format("%.2f (ring)", r.ring.enters() / (double) ROUNDS)
                        : String.format("%.3f", r.traps.enters() / (double) ROUNDS);
                System.out.printf("%-52s %10.0f %12s %16s %18s %12.0f%n", r.name, r.percentile(50) / 1e3,
                        String.format("%.0f–%.0f", r.percentile(10) / 1e3, r.percentile(90) / 1e3), traps, enters, r.cpuNanos / 1e3 / ROUNDS);
            }
            System.out.println("traps: every syscall (io_uring_enter included) of the calling thread and of txring's threads"
                    + " (reaper, flusher, safety net) while the timed loop ran, from perf's raw_syscalls:sys_enter tracepoint (2-3 of them"
                    + " are the counting's own switch-off); the JVM's own threads are not counted. CPU: every thread of the process, the kernel's"
                    + " SQ poller and io workers included (schedstat).");
        } finally {
            ScratchDir.delete(root);
        }
    }

    /** Variant 1: the library's transaction on the default ring. */
    static Result storeVariant(Path root) throws Exception {
        try (Store store = Store.open(root)) {
            RingMetrics before = store.ringMetrics();
            try (Transaction tx = store.begin()) {                  // begin
                MemorySegment m = tx.map("data", 0, CHANGED);        // open + map (a private copy)
                m.fill((byte) 0x7f);                                 // write 128 bytes through the mapping
                System.out.println("store: before commit, a reader sees byte 0 = " + firstByte(root));
                tx.commit();                                         // commit: all or nothing, durable
            }
            System.out.println("store: after commit,  a reader sees byte 0 = " + firstByte(root));
            RingMetrics once = store.ringMetrics().minus(before);
            System.out.printf("store: %d ops through %s, %d io_uring_enter calls (the ring's count)%n", once.submitted(),
                    store.describeRing(), once.enters());
            long[] nanos = new long[ROUNDS];
            for (int i = 0; i < WARMUP; i++) storeOnce(store, i);
            RingMetrics r0 = store.ringMetrics();
            long cpu0 = ProcessCpu.nanos();
            String tid = callerTid();
            SyscallCounter counter = SyscallCounter.startPerThread(EVENTS); // counts only the loop: started last, stopped first
            for (int i = 0; i < ROUNDS; i++) {
                long t0 = System.nanoTime();
                storeOnce(store, i);
                nanos[i] = System.nanoTime() - t0;
            }
            SyscallCount count = counter == null ? null : SyscallCount.of(counter.stopPerThread(), tid);
            long cpu = ProcessCpu.nanos() - cpu0;
            RingMetrics ring = store.ringMetrics().minus(r0);
            return new Result("store (" + store.ringMode() + " ring, Store transaction)", nanos, cpu, count, ring);
        }
    }

    private static void storeOnce(Store store, int i) throws IOException {
        try (Transaction tx = store.begin()) {
            tx.map("data", 0, CHANGED).fill((byte) i);
            tx.commit();
        }
    }

    /** Variant 2: every op on an SQPOLL_SINGLE_ISSUER ring, one linked chain, one wait. */
    static Result chainVariant(Path root) throws Exception {
        RingConfig config = RingConfig.builder().backend(Backend.IO_URING).mode(Mode.SQPOLL_SINGLE_ISSUER)
                .sqThreadIdle(Duration.ofMillis(100)).registeredFiles(3).build(); // the poller stays awake between rounds
        try (Ring ring = Ring.open(config); Arena arena = Arena.ofConfined()) {
            MemorySegment copy = arena.allocate(SIZE, 4096); // the private copy a map() would give
            MemorySegment change = arena.allocate(CHANGED);
            change.fill((byte) 0x7f);
            RingMetrics before = ring.metrics();
            int[] res = ring.callChain(chain(root, copy, change));
            checkChain(res);
            System.out.println("chain: after the chain, a reader sees byte 0 = " + firstByte(root));
            RingMetrics once = ring.metrics().minus(before);
            System.out.printf("chain: %d ops through %s, %d io_uring_enter calls (the ring's count)%n", once.submitted(),
                    ring.describe(), once.enters());
            long[] nanos = new long[ROUNDS];
            for (int i = 0; i < WARMUP; i++) {
                change.fill((byte) i);
                checkChain(ring.callChain(chain(root, copy, change)));
            }
            RingMetrics r0 = ring.metrics();
            long cpu0 = ProcessCpu.nanos();
            String tid = callerTid();
            SyscallCounter counter = SyscallCounter.startPerThread(EVENTS); // counts only the loop: started last, stopped first
            for (int i = 0; i < ROUNDS; i++) {
                change.fill((byte) i);
                long t0 = System.nanoTime();
                res = ring.callChain(chain(root, copy, change));
                nanos[i] = System.nanoTime() - t0;
                checkChain(res);
            }
            SyscallCount count = counter == null ? null : SyscallCount.of(counter.stopPerThread(), tid);
            long cpu = ProcessCpu.nanos() - cpu0;
            RingMetrics m = ring.metrics().minus(r0);
            return new Result("chain (" + ring.mode() + " ring, one linked chain)", nanos, cpu, count, m);
        }
    }

    /** The transaction as ops: slot 0 the directory, 1 the file, 2 its shadow. */
    private static Op[] chain(Path root, MemorySegment copy, MemorySegment change) {
        String dir = root.toString(), data = root.resolve("data").toString(), shadow = root.resolve(".data.figure2").toString();
        return new Op[] {
                new Op().prepOpenatDirect(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY, 0, 0),
                new Op().prepOpenatDirect(AT_FDCWD, data, O_RDONLY, 0, 1),
                new Op().prepOpenatDirect(AT_FDCWD, shadow, O_WRONLY | O_CREAT | O_EXCL, 0644, 2),
                Op.read(1, copy, 0).fixedFile(),                  // the private copy (a short read cuts the chain)
                Op.write(2, copy, 0).fixedFile(),                 // the shadow starts as the copy
                Op.write(2, change, 0).fixedFile(),               // the 128 bytes written "through the mapping"
                Op.fdatasync(2).fixedFile(),                      // the shadow's data is durable before its name moves
                Op.renameat(AT_FDCWD, shadow, AT_FDCWD, data, 0), // the commit: readers see old or new, never a mix
                Op.fsync(0).fixedFile(),                          // the rename survives a power cut
                new Op().prepCloseDirect(0),
                new Op().prepCloseDirect(1),
                new Op().prepCloseDirect(2)};
    }

    /** A failed op cuts the chain: say which, and leave no shadow behind for the next round. */
    private static void checkChain(int[] res) throws IOException {
        for (int i = 0; i < res.length; i++) {
            if (res[i] < 0) throw new IOException("figure2 chain: op " + i + " failed with errno " + -res[i] + ": " + Arrays.toString(res));
        }
    }

    private static final String[] EVENTS = {"raw_syscalls:sys_enter", "syscalls:sys_enter_io_uring_enter"};

    /** This thread's id, as perf names it. */
    private static String callerTid() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
    }

    private static int firstByte(Path root) throws IOException {
        return Files.readAllBytes(root.resolve("data"))[0];
    }

    /** What {@link SyscallCounter#startPerThread} counted for the calling thread and txring's threads ({@code txring-*}). */
    record SyscallCount(long total, long enters) {
        static SyscallCount of(List<SyscallCounter.ThreadCount> counts, String callerTid) {
            long total = 0, enters = 0;
            for (SyscallCounter.ThreadCount c : counts) {
                if (!c.tid().equals(callerTid) && !c.comm().startsWith("txring-")) continue;
                if (c.event().equals("raw_syscalls:sys_enter")) total += c.count();
                else if (c.event().equals("syscalls:sys_enter_io_uring_enter")) enters += c.count();
            }
            return new SyscallCount(total, enters);
        }
    }
}
