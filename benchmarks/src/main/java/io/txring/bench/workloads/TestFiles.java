package io.txring.bench.workloads;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/** Data files the workloads read. */
final class TestFiles {
    static final long GIB = 1L << 30;

    private TestFiles() {}

    /** A 1 GiB file of random bytes (not sparse: reads must touch the disk), written and synced. */
    static Path gibibyte(Path dir) throws IOException {
        Path f = dir.resolve("randread-1GiB.dat");
        if (Files.exists(f) && Files.size(f) == GIB) return f;
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        SplittableRandom rnd = new SplittableRandom(7);
        while (chunk.remaining() >= 8) chunk.putLong(rnd.nextLong());
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long pos = 0; pos < GIB; pos += chunk.capacity()) {
                chunk.clear();
                chunk.putLong(0, pos); // every MiB differs
                while (chunk.hasRemaining()) ch.write(chunk, pos + chunk.position());
            }
            ch.force(true);
        }
        return f;
    }

    static void readAll(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            while (ch.read(b.clear()) > 0) {
                // only the page cache's side effect matters
            }
        }
    }
}
