package io.txring.bench;

import static io.txring.uring.generated.uring_h.*;


import io.txring.core.Op;
import io.txring.core.OpQueue;
import io.txring.core.Ring;
import io.txring.core.RingConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * The raw ring path: a batch of {@link #BATCH} ops sent through an {@link OpQueue},
 * one barrier, results collected. Run with {@code -prof gc}: allocation per op must be ~0 B.
 * {@code ./txring jmh RawRingBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RawRingBenchmark {
    static final int BATCH = 64;

    @Param({"SINGLE_ISSUER", "SHARED", "SQPOLL"})
    public String mode;

    private Ring ring;
    private OpQueue queue;
    private final Op[] ops = new Op[BATCH];
    private Arena arena;
    private MemorySegment buf;
    private int fd;
    private Path file;

    @Setup
    public void setup() throws Exception {
        ring = Ring.open(RingConfig.builder().entries(256).mode(io.txring.core.Mode.valueOf(mode)).build());
        queue = ring.queue(BATCH);
        for (int i = 0; i < BATCH; i++) ops[i] = new Op();
        arena = Arena.ofShared();
        buf = arena.allocate(4096, 4096);
        file = Files.createTempFile("txring-jmh-", ".dat");
        Files.write(file, new byte[1 << 20]);
        fd = ring.call(Op.openat(AT_FDCWD, file.toString(), O_RDONLY, 0));
    }

    @TearDown
    public void tearDown() throws Exception {
        ring.call(Op.close(fd));
        ring.close();
        arena.close();
        Files.deleteIfExists(file);
    }

    /** BATCH NOPs: submit, complete, collect. Score × BATCH = ops/s. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int nop() {
        for (int i = 0; i < BATCH; i++) queue.send(ops[i].prepNop());
        queue.barrier();
        int sum = 0;
        for (int i = 0; i < BATCH; i++) sum += queue.get();
        return sum;
    }

    /** BATCH 4 KiB preads from the page cache. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int read4k() {
        for (int i = 0; i < BATCH; i++) queue.send(ops[i].prepRead(fd, buf, (long) (i * 4096) & ((1 << 20) - 1)));
        queue.barrier();
        int sum = 0;
        for (int i = 0; i < BATCH; i++) sum += queue.get();
        return sum;
    }

    /** One blocking call (submit, wait, result): the latency a commit step pays per round trip. */
    @Benchmark
    public int nopCall() {
        return ring.callRaw(ops[0].prepNop());
    }
}
