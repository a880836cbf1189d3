package io.txring.bench.workloads;

import static io.txring.uring.generated.uring_h.*;

import io.txring.bench.harness.ProcessCpu;
import io.txring.bench.harness.RoundSample;
import io.txring.bench.harness.Variant;
import io.txring.bench.harness.VariantRun;
import io.txring.bench.harness.Workload;
import io.txring.core.Op;
import io.txring.core.OpQueue;
import io.txring.core.Mode;
import io.txring.core.Ring;
import io.txring.core.RingConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code burst-*}: 100,000 small ops per round on one thread. txring sends them in
 * batches of {@value #BATCH} through an {@link OpQueue} (one submission per batch); NIO
 * makes one syscall each, as a Java program would. NOP has no NIO counterpart.
 */
public final class BurstWorkload implements Workload {
    public enum Kind { NOP, OPENCLOSE, STATX, PWRITE, PREAD }

    static final int OPS = 100_000;
    static final int BATCH = 64;
    private static final int FILE_SIZE = 1 << 20;

    private final Kind kind;

    public BurstWorkload(Kind kind) { this.kind = kind; }

    @Override
    public String name() {
        return "burst-" + kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String unit() {
        return switch (kind) {
            case NOP -> "NOP";
            case OPENCLOSE -> "open+close";
            case STATX -> "statx";
            case PWRITE -> "64 B pwrite";
            case PREAD -> "4 KiB pread";
        };
    }

    @Override
    public List<Variant> variants(Path scratch) throws IOException {
        Path file = scratch.resolve("burst.dat");
        Files.write(file, new byte[FILE_SIZE]);
        List<Variant> v = new ArrayList<>();
        for (RingVariants.Config c : RingVariants.of(true, 256)) {
            v.add(Variant.txring(c.name(), () -> new TxringBurst(Ring.open(c.ring()), file)));
        }
        if (kind == Kind.STATX || kind == Kind.PWRITE) {
            // what txring does about io-wq punts: route the op past the ring, as a plain syscall (default SHARED mode)
            int opcode = kind == Kind.STATX ? IORING_OP_STATX : IORING_OP_WRITE;
            RingConfig routed = RingConfig.builder().entries(256).mode(Mode.SHARED).runAsSyscalls(opcode).build();
            v.add(Variant.txring("txring-shared-routed", () -> new TxringBurst(Ring.open(routed), file)));
        }
        if (kind != Kind.NOP) v.add(Variant.nio("nio", () -> new NioBurst(file)));
        return v;
    }

    private final class TxringBurst implements VariantRun {
        private final Ring ring;
        private final OpQueue queue;
        private final Op[] ops = new Op[BATCH];
        private final Arena arena = Arena.ofShared();
        private final MemorySegment buf;
        private final String path;
        private final int fd;

        TxringBurst(Ring ring, Path file) throws IOException {
            this.ring = ring;
            this.queue = ring.queue(BATCH);
            for (int i = 0; i < BATCH; i++) ops[i] = new Op();
            this.path = file.toString();
            this.buf = arena.allocate(kind == Kind.STATX ? 256 * BATCH : kind == Kind.PWRITE ? 64 : 4096, 4096);
            this.fd = ring.call(Op.openat(AT_FDCWD, path, O_RDWR, 0));
        }

        @Override
        public RoundSample round() {
            long traps0 = ring.metrics().enters(), cpu0 = ProcessCpu.nanos(), t0 = System.nanoTime();
            // open+close is a linked pair (open into a direct-descriptor slot, close that slot): 2 SQEs per op
            int perBatch = kind == Kind.OPENCLOSE ? BATCH / 2 : BATCH;
            for (int done = 0; done < OPS; done += perBatch) {
                int n = Math.min(perBatch, OPS - done);
                for (int i = 0; i < n; i++) send(i, done + i);
                queue.barrier();
                int sqes = kind == Kind.OPENCLOSE ? 2 * n : n;
                for (int i = 0; i < sqes; i++) {
                    int res = queue.get();
                    if (res < 0) throw new IllegalStateException(name() + ": op failed with errno " + -res);
                }
            }
            long nanos = System.nanoTime() - t0;
            return new RoundSample(OPS, nanos, ring.metrics().enters() - traps0, ProcessCpu.nanos() - cpu0);
        }

        private void send(int i, int seq) {
            switch (kind) {
                case NOP -> queue.send(ops[i].prepNop());
                case OPENCLOSE -> queue.send(ops[2 * i].prepOpenatDirect(AT_FDCWD, path, O_RDONLY, 0, i), ops[2 * i + 1].prepCloseDirect(i));
                case STATX -> queue.send(ops[i].prepStatx(AT_FDCWD, path, 0, STATX_BASIC_STATS, buf.asSlice(256L * i, 256)));
                case PWRITE -> queue.send(ops[i].prepWrite(fd, buf, (seq * 64L) % FILE_SIZE));
                case PREAD -> queue.send(ops[i].prepRead(fd, buf, (seq * 4096L) % FILE_SIZE));
            }
        }

        @Override
        public void close() {
            ring.callRaw(Op.close(fd));
            ring.close();
            arena.close();
        }
    }

    private final class NioBurst implements VariantRun {
        private final Path file;
        private final FileChannel ch;
        private final ByteBuffer buf;

        NioBurst(Path file) throws IOException {
            this.file = file;
            this.ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            this.buf = ByteBuffer.allocateDirect(kind == Kind.PWRITE ? 64 : 4096);
        }

        @Override
        public RoundSample round() throws IOException {
            long cpu0 = ProcessCpu.nanos(), t0 = System.nanoTime();
            for (int i = 0; i < OPS; i++) {
                switch (kind) {
                    case OPENCLOSE -> FileChannel.open(file, StandardOpenOption.READ).close();
                    case STATX -> Files.readAttributes(file, BasicFileAttributes.class);
                    case PWRITE -> { buf.clear(); ch.write(buf, (i * 64L) % FILE_SIZE); }
                    case PREAD -> { buf.clear(); ch.read(buf, (i * 4096L) % FILE_SIZE); }
                    case NOP -> throw new IllegalStateException("NOP has no NIO counterpart");
                }
            }
            long nanos = System.nanoTime() - t0;
            return new RoundSample(OPS, nanos, 0, ProcessCpu.nanos() - cpu0);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
