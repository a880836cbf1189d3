package io.txring.bench.workloads;

import io.txring.bench.harness.ProcessCpu;
import io.txring.bench.harness.RoundSample;
import io.txring.bench.harness.Variant;
import io.txring.bench.harness.VariantRun;
import io.txring.bench.harness.Workload;
import io.txring.txn.Store;
import io.txring.txn.StoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code replace} and {@code txn3}: durable atomic changes of small files from {@value #THREADS}
 * threads, through txring {@link Store} transactions or through Java NIO doing the same
 * work at the same durability ({@link NioDurable}). {@code replace}: one 1 KiB file per
 * op (2,000 per round); {@code txn3}: three 1 KiB files changed together per op.
 */
public final class DurableWorkload implements Workload {
    static final int THREADS = 8;
    static final int SIZE = 1024;
    /** Distinct names per thread the ops cycle over: replaces, never creates, in steady state. */
    static final int NAMES_PER_THREAD = 25;

    private final int filesPerOp;
    private final int opsPerRound;

    private DurableWorkload(int filesPerOp, int opsPerRound) {
        this.filesPerOp = filesPerOp;
        this.opsPerRound = opsPerRound;
    }

    public static DurableWorkload replace() { return new DurableWorkload(1, 2000); }

    public static DurableWorkload txn3() { return new DurableWorkload(3, 600); }

    @Override
    public String name() { return filesPerOp == 1 ? "replace" : "txn" + filesPerOp; }

    @Override
    public String unit() { return filesPerOp == 1 ? "durable replace" : "durable " + filesPerOp + "-file transaction"; }

    @Override
    public boolean durable() { return true; }

    /** Changes files {@code names} atomically and durably. */
    interface Change {
        void apply(String[] names, byte[] data) throws IOException;
    }

    @Override
    public List<Variant> variants(Path scratch) {
        byte[] data = new byte[SIZE];
        Arrays.fill(data, (byte) 'r');
        List<Variant> v = new ArrayList<>();
        for (RingVariants.Config c : RingVariants.forStores(256)) {
            v.add(Variant.txring(c.name(), () -> {
                Store store = Store.open(Files.createDirectories(scratch.resolve(c.name())),
                        StoreConfig.defaults().withRing(c.ring()).withMetadataSyscalls(c.metadataSyscalls()));
                return new Run(store, (names, d) -> store.run(tx -> {
                    for (String n : names) tx.write(n, d);
                    return null;
                }), data);
            }));
        }
        v.add(Variant.nio("nio", () -> {
            NioDurable nio = new NioDurable(Files.createDirectories(scratch.resolve("nio")));
            return new Run(null, filesPerOp == 1 ? (names, d) -> nio.replace(names[0], d) : nio::replaceAll, data);
        }));
        return v;
    }

    private final class Run implements VariantRun {
        private final Store store;
        private final Change change;
        private final byte[] data;

        Run(Store store, Change change, byte[] data) {
            this.store = store;
            this.change = change;
            this.data = data;
        }

        @Override
        public RoundSample round() throws Exception {
            long traps0 = store == null ? 0 : store.ringMetrics().enters(), cpu0 = ProcessCpu.nanos(), t0 = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            List<Throwable> errors = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    String[] names = new String[filesPerOp];
                    for (int i; (i = next.getAndIncrement()) < opsPerRound; ) {
                        // each thread its own names: ops never conflict, as in a spool
                        for (int f = 0; f < filesPerOp; f++) names[f] = "t" + thread + "-" + (i % NAMES_PER_THREAD) + "-" + f;
                        try {
                            change.apply(names, data);
                        } catch (Throwable e) {
                            synchronized (errors) { errors.add(e); }
                            next.set(opsPerRound); // stop the others: the round is broken
                            return;
                        }
                    }
                }));
            }
            for (Thread t : threads) t.join();
            if (!errors.isEmpty()) throw new IllegalStateException(name() + " failed", errors.getFirst());
            long nanos = System.nanoTime() - t0;
            long traps = store == null ? 0 : store.ringMetrics().enters() - traps0;
            return new RoundSample(opsPerRound, nanos, traps, ProcessCpu.nanos() - cpu0);
        }

        @Override
        public void close() throws IOException {
            if (store != null) store.close();
        }
    }
}
