package io.txring.bench;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Backend;
import io.txring.core.Mode;
import io.txring.core.Op;
import io.txring.core.OpQueue;
import io.txring.core.Ring;
import io.txring.core.RingConfig;
import io.txring.core.RingMetrics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./txring burst}: durable atomic creation of a few thousand small files through
 * the ring. Each file is one linked chain with no fd round trip:
 * openat(direct slot) → write → fsync → close → rename(tmp → final). Prints ops/s,
 * traps (io_uring_enter calls) per op and which backend and mode ran.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Create files durably and atomically through the ring and report ops/s and traps per op.")
public final class BurstDemo implements Callable<Integer> {
    private static final int OPS_PER_FILE = 5;

    @Option(names = "--files", description = "files to create (default ${DEFAULT-VALUE})")
    int files = 3000;

    @Option(names = "--size", description = "bytes per file (default ${DEFAULT-VALUE})")
    int size = 1024;

    @Option(names = "--in-flight", description = "files in flight at once (default ${DEFAULT-VALUE})")
    int inFlight = 32;

    @Option(names = "--mode", description = "SHARED, SINGLE_ISSUER, SQPOLL, BLOCKING or ALL (default: the library default, ${DEFAULT-VALUE})")
    String mode = RingConfig.DEFAULT_MODE.name();

    @Option(names = "--dir", description = "where to create the files (default: a new temp dir, removed afterwards)")
    Path dir;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BurstDemo()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<String> modes = mode.equalsIgnoreCase("ALL") ? List.of("SHARED", "SINGLE_ISSUER", "SQPOLL", "BLOCKING") : List.of(mode.toUpperCase());
        System.out.printf("txring demo: %,d files × %,d B, each openat → write → fsync → close → rename as one linked chain, %d files in flight%n",
                files, size, inFlight);
        System.out.printf("%-44s %10s %10s %12s %9s%n", "backend / mode", "files/s", "ops/s", "traps/op", "seconds");
        for (String m : modes) runOnce(m);
        return 0;
    }

    private void runOnce(String m) throws Exception {
        RingConfig.Builder b = RingConfig.builder().entries(256).registeredFiles(inFlight);
        if (m.equals("BLOCKING")) b.backend(Backend.BLOCKING);
        else b.mode(Mode.valueOf(m));
        Path work = dir != null ? Files.createDirectories(dir.resolve(m.toLowerCase())) : Files.createTempDirectory("txring-demo-");
        try (Ring ring = Ring.open(b.build()); Arena arena = Arena.ofConfined()) {
            MemorySegment payload = arena.allocate(size);
            payload.fill((byte) 'x');
            int dirfd = ring.call(Op.openat(AT_FDCWD, work.toString(), O_RDONLY | O_DIRECTORY, 0));
            Op[][] chains = new Op[inFlight][OPS_PER_FILE];
            for (Op[] c : chains) for (int i = 0; i < OPS_PER_FILE; i++) c[i] = new Op();
            OpQueue q = ring.queue(inFlight * OPS_PER_FILE);
            RingMetrics before = ring.metrics();
            long start = System.nanoTime();
            int failures = 0;
            for (int done = 0; done < files; ) {
                int batch = Math.min(inFlight, files - done);
                for (int s = 0; s < batch; s++) {
                    int n = done + s;
                    Op[] c = chains[s];
                    c[0].prepOpenatDirect(dirfd, "f" + n + ".tmp", O_CREAT | O_WRONLY | O_TRUNC, 0644, s).link();
                    c[1].prepWrite(s, payload, 0).fixedFile().link();
                    c[2].prepFsync(s).fixedFile().link();
                    c[3].prepCloseDirect(s).link();
                    c[4].prepRenameat(dirfd, "f" + n + ".tmp", dirfd, "f" + n, 0);
                    q.send(c);
                }
                q.barrier();
                for (int i = 0; i < batch * OPS_PER_FILE; i++) if (q.get() < 0) failures++;
                done += batch;
            }
            ring.call(Op.fsync(dirfd)); // the renames are durable once the directory is
            long nanos = System.nanoTime() - start;
            RingMetrics d = ring.metrics().minus(before);
            ring.call(Op.close(dirfd));
            double secs = nanos / 1e9;
            long ops = (long) files * OPS_PER_FILE + 1;
            String label = ring.backend() == Backend.IO_URING ? "io_uring " + ring.mode() : "blocking fallback";
            System.out.printf("%-44s %,10.0f %,10.0f %12.4f %9.2f%n", label,
                    files / secs, ops / secs, (double) d.enters() / ops, secs);
            if (ring.fallbackCause() != null) System.out.println("    fallback cause: " + ring.fallbackCause());
            if (failures > 0) throw new IllegalStateException(failures + " ops failed");
            long present;
            try (Stream<Path> s = Files.list(work)) {
                present = s.filter(p -> !p.getFileName().toString().endsWith(".tmp")).count();
            }
            if (present != files) throw new IllegalStateException("expected " + files + " files, found " + present);
        } finally {
            if (dir == null) ScratchDir.delete(work);
        }
    }

}
