package io.txring.bench;

import io.txring.txn.Store;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./txring bench}: durable atomic replacement of small files, txring transactions
 * against Java NIO doing the same work at the same durability (write a temp file,
 * {@code force}, {@code ATOMIC_MOVE}, {@code force} the directory), alternating in one
 * run (A B A B …) and reporting median and min–max files/s and the ratio per round.
 * (The full comparison harness with JSON and charts is issue 6.)
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Durable single-file replaces: txring vs Java NIO, same run.")
public final class ReplaceBench implements Callable<Integer> {
    @Option(names = "--files", description = "replaces per round (default ${DEFAULT-VALUE})")
    int files = 2000;

    @Option(names = "--size", description = "bytes per file (default ${DEFAULT-VALUE})")
    int size = 1024;

    @Option(names = "--threads", description = "threads doing replaces at once (default ${DEFAULT-VALUE})")
    int threads = 8;

    @Option(names = "--rounds", description = "measured rounds per variant, after one warm-up (default ${DEFAULT-VALUE})")
    int rounds = 5;

    @Option(names = "--distinct", description = "distinct file names the replaces cycle over (default ${DEFAULT-VALUE})")
    int distinct = 200;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReplaceBench()).execute(args));
    }

    interface Replacer {
        void replace(String name, byte[] data) throws IOException;
    }

    @Override
    public Integer call() throws Exception {
        byte[] data = new byte[size];
        Arrays.fill(data, (byte) 'r');
        Path base = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "txring-bench-");
        try (Store store = Store.open(base.resolve("txring"))) {
            Path nio = Files.createDirectories(base.resolve("nio"));
            Replacer tx = (name, d) -> store.run(t -> { t.write(name, d); return null; });
            Replacer plain = (name, d) -> nioReplace(nio, name, d);
            System.out.printf("durable replace of %,d files × %,d B, %d threads, %d rounds each (alternating), fs %s%n",
                    files, size, threads, rounds, Files.getFileStore(base).type());
            run(tx, data);
            run(plain, data); // warm-up
            double[] a = new double[rounds], b = new double[rounds], ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                a[r] = run(tx, data);
                b[r] = run(plain, data);
                ratio[r] = a[r] / b[r];
            }
            print("txring (DURABLE, SHARED ring)", a);
            print("Java NIO (force + ATOMIC_MOVE + dir force)", b);
            print("ratio txring / NIO, per round", ratio);
        } finally {
            ScratchDir.delete(base);
        }
        return 0;
    }

    private double run(Replacer r, byte[] data) throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                int i;
                while ((i = next.getAndIncrement()) < files) {
                    try {
                        r.replace("f" + (i % distinct), data);
                    } catch (Throwable e) {
                        synchronized (errors) { errors.add(e); }
                        return;
                    }
                }
            }));
        }
        for (Thread t : ts) t.join();
        if (!errors.isEmpty()) throw new IllegalStateException("replace failed", errors.getFirst());
        return files / ((System.nanoTime() - start) / 1e9);
    }

    private static void nioReplace(Path dir, String name, byte[] data) throws IOException {
        Path tmp = dir.resolve(name + ".tmp-" + Thread.currentThread().threadId());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) ch.write(b);
            ch.force(false);
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static void print(String label, double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        System.out.printf("  %-44s median %,10.2f   min %,10.2f   max %,10.2f%n", label, median, s[0], s[s.length - 1]);
    }
}
