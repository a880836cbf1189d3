package io.txring.bench.workloads;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * What a careful Java developer writes for durable atomic file changes with java.nio:
 * the baseline of {@code replace} and {@code txn3}, at txring's DURABLE level.
 * One file: temp file, {@code force}, {@code ATOMIC_MOVE}, directory {@code force}.
 * Several files: the same plus a redo journal naming the renames, forced (with its
 * directory) before the first rename and deleted after — the commit point that makes
 * the set all-or-nothing across a crash, as txring's commit record does.
 */
final class NioDurable {
    private final Path dir;
    private final Path journalDir;

    NioDurable(Path dir) throws IOException {
        this.dir = dir;
        this.journalDir = Files.createDirectories(dir.resolve(".journal"));
    }

    void replace(String name, byte[] data) throws IOException {
        Path tmp = writeTemp(name, data);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        force(dir);
    }

    void replaceAll(String[] names, byte[] data) throws IOException {
        Path[] tmps = new Path[names.length];
        StringBuilder record = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            tmps[i] = writeTemp(names[i], data);
            record.append(tmps[i].getFileName()).append(' ').append(names[i]).append('\n');
        }
        force(dir); // the temp files' names are durable before the record points at them
        Path journal = journalDir.resolve("tx-" + Thread.currentThread().threadId());
        write(journal, record.toString().getBytes(StandardCharsets.UTF_8));
        force(journalDir); // commit point
        for (int i = 0; i < names.length; i++) {
            Files.move(tmps[i], dir.resolve(names[i]), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        force(dir);
        Files.delete(journal); // a leftover record only replays renames already done
    }

    private Path writeTemp(String name, byte[] data) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        write(tmp, data);
        return tmp;
    }

    private static void write(Path f, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) ch.write(b);
            ch.force(false);
        }
    }

    private static void force(Path directory) throws IOException {
        try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
