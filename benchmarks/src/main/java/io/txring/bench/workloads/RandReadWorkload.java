package io.txring.bench.workloads;

import static io.txring.uring.generated.uring_h.*;

import com.sun.nio.file.ExtendedOpenOption;
import io.txring.bench.harness.ProcessCpu;
import io.txring.bench.harness.RoundSample;
import io.txring.bench.harness.Variant;
import io.txring.bench.harness.VariantRun;
import io.txring.bench.harness.Workload;
import io.txring.core.Op;
import io.txring.core.OpQueue;
import io.txring.core.Ring;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code randread-direct} and {@code randread-cached}: 4 KiB reads at random aligned
 * offsets of a 1 GiB file, {@value #QD} outstanding at a time for txring (and fio);
 * the NIO baseline is one thread doing one {@code FileChannel.read} at a time, as a
 * plain Java program does. Every variant reads the same offsets.
 */
public final class RandReadWorkload implements Workload {
    static final int QD = 32;
    static final int BLOCK = 4096;

    private final boolean direct;
    private final int opsPerRound;

    public RandReadWorkload(boolean direct) {
        this.direct = direct;
        this.opsPerRound = direct ? 20_000 : 200_000;
    }

    @Override
    public String name() { return direct ? "randread-direct" : "randread-cached"; }

    @Override
    public String unit() { return direct ? "4 KiB O_DIRECT read" : "4 KiB cached read"; }

    @Override
    public List<Variant> variants(Path scratch) throws IOException {
        Path file = TestFiles.gibibyte(scratch);
        if (!direct) TestFiles.readAll(file); // into the page cache
        long[] offsets = new long[opsPerRound];
        SplittableRandom rnd = new SplittableRandom(42);
        long blocks = TestFiles.GIB / BLOCK;
        for (int i = 0; i < offsets.length; i++) offsets[i] = rnd.nextLong(blocks) * BLOCK;
        List<Variant> v = new ArrayList<>();
        for (RingVariants.Config c : RingVariants.of(true, 64)) {
            v.add(Variant.txring(c.name(), () -> new TxringReads(Ring.open(c.ring()), file, offsets)));
        }
        v.add(Variant.nio("nio", () -> new NioReads(file, offsets)));
        if (Fio.installed()) v.add(Variant.ceiling("fio-io_uring", () -> new Fio(file, direct, QD, BLOCK, opsPerRound)));
        return v;
    }

    private final class TxringReads implements VariantRun {
        private final Ring ring;
        private final OpQueue queue;
        private final Op[] ops = new Op[QD];
        private final MemorySegment[] bufs = new MemorySegment[QD];
        private final Arena arena = Arena.ofShared();
        private final long[] offsets;
        private final int fd;

        TxringReads(Ring ring, Path file, long[] offsets) throws IOException {
            this.ring = ring;
            this.queue = ring.queue(QD);
            this.offsets = offsets;
            for (int i = 0; i < QD; i++) {
                ops[i] = new Op();
                bufs[i] = arena.allocate(BLOCK, BLOCK); // O_DIRECT needs block-aligned memory
            }
            this.fd = ring.call(Op.openat(AT_FDCWD, file.toString(), O_RDONLY | (direct ? O_DIRECT : 0), 0));
        }

        @Override
        public RoundSample round() {
            long traps0 = ring.metrics().enters(), cpu0 = ProcessCpu.nanos(), t0 = System.nanoTime();
            int n = offsets.length;
            for (int i = 0; i < Math.min(QD, n); i++) queue.send(ops[i].prepRead(fd, bufs[i], offsets[i]));
            for (int i = QD; i < n + QD; i++) {
                int res = queue.get(); // the oldest read; its slot (i % QD) is free again
                if (res != BLOCK) throw new IllegalStateException(name() + ": read returned " + res);
                if (i < n) queue.send(ops[i % QD].prepRead(fd, bufs[i % QD], offsets[i]));
            }
            long nanos = System.nanoTime() - t0;
            return new RoundSample(n, nanos, ring.metrics().enters() - traps0, ProcessCpu.nanos() - cpu0);
        }

        @Override
        public void close() {
            ring.callRaw(Op.close(fd));
            ring.close();
            arena.close();
        }
    }

    private final class NioReads implements VariantRun {
        private final FileChannel ch;
        private final ByteBuffer buf;
        private final long[] offsets;

        NioReads(Path file, long[] offsets) throws IOException {
            this.ch = direct ? FileChannel.open(file, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)
                    : FileChannel.open(file, StandardOpenOption.READ);
            this.buf = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK).limit(BLOCK);
            this.offsets = offsets;
        }

        @Override
        public RoundSample round() throws IOException {
            long cpu0 = ProcessCpu.nanos(), t0 = System.nanoTime();
            for (long off : offsets) {
                buf.clear();
                if (ch.read(buf, off) != BLOCK) throw new IOException("short read at " + off);
            }
            long nanos = System.nanoTime() - t0;
            return new RoundSample(offsets.length, nanos, 0, ProcessCpu.nanos() - cpu0);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
