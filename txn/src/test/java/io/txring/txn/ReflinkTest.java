package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * map() of an existing file gives its shadow the committed content by sharing extents
 * (FICLONE) where the filesystem can — XFS and btrfs in the filesystem matrix — and by a
 * copy elsewhere (ext4). Either way the committed file is untouched until the commit.
 */
class ReflinkTest {
    @TempDir Path root;

    @Test
    void mapOfAnExistingFileReflinksWhereTheFilesystemCan() throws Exception {
        String old = "0123456789".repeat(1000); // 10,000 bytes: three pages
        Files.writeString(root.resolve("f"), old);
        boolean reflinks = reflinks(root);
        try (Store store = Store.open(root)) {
            try (Transaction tx = store.begin()) {
                tx.map("f", 5000, 4).fill((byte) '#');
                assertEquals(old, Files.readString(root.resolve("f")), "the committed file is untouched before the commit");
                tx.commit();
            }
            assertEquals(reflinks ? 1 : 0, store.metrics().reflinks(),
                    "a reflink exactly where `cp --reflink=always` makes one (" + Files.getFileStore(root).type() + ")");
        }
        assertEquals(old.substring(0, 5000) + "####" + old.substring(5004), Files.readString(root.resolve("f"), UTF_8));
    }

    /** Whether the filesystem of {@code dir} makes reflinks, asked of coreutils (not of the code under test). */
    static boolean reflinks(Path dir) throws IOException, InterruptedException {
        Path a = Files.writeString(dir.resolve("reflink-probe-a"), "x"), b = dir.resolve("reflink-probe-b");
        try {
            return new ProcessBuilder("cp", "--reflink=always", a.toString(), b.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
        }
    }
}
