package io.txring.bench;

import io.txring.txn.Store;
import io.txring.txn.StoreConfig;
import io.txring.txn.Transaction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.*;

/**
 * One durable commit of one 4 KiB file replacing an existing one: the whole commit path
 * (statx + shadow create, write, fdatasync + close, OFD lock, validate, rename + directory
 * fsync). For allocation, not speed: {@code -prof gc} gives heap bytes per commit and
 * {@link MallocCountProfiler} native allocations per commit.
 * {@code LD_PRELOAD=/tmp/malloc-count.so ./txring jmh DurableCommitBenchmark -prof gc -prof io.txring.bench.MallocCountProfiler}
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DurableCommitBenchmark {
    private static final int FILES = 64;

    /** true: the store's metadata ops and writes as syscalls on this thread (the default); false: all through the ring. */
    @Param({"true", "false"})
    public boolean metadataSyscalls;

    private Path root;
    private Store store;
    private final byte[] data = new byte[4096];
    private final String[] names = new String[FILES];
    private int next;

    @Setup
    public void setup() throws IOException {
        root = Files.createTempDirectory("txring-jmh-commit-");
        StoreConfig config = StoreConfig.defaults();
        if (!metadataSyscalls) config = config.withMetadataSyscalls(false);
        store = Store.open(root, config);
        for (int i = 0; i < FILES; i++) {
            names[i] = "f" + i;
            String name = names[i];
            store.run(tx -> {
                tx.write(name, data);
                return null;
            });
        }
        MallocCountProfiler.countThisThread();
    }

    @TearDown
    public void tearDown() throws IOException {
        store.close();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Benchmark
    public void commitOneFile() throws IOException {
        try (Transaction tx = store.begin()) {
            tx.write(names[next++ & (FILES - 1)], data);
            tx.commit();
        }
    }
}
