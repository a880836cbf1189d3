package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A lone open sweeps shadows only where the store placed them, through confined directory fds. */
class ShadowSweepTest {
    @TempDir Path root;
    @TempDir Path outside;

    private static void write(Store s, String path) throws Exception {
        s.run(tx -> {
            tx.write(path, "v".getBytes(UTF_8));
            return null;
        });
    }

    @Test
    void sweepsWhereShadowsWerePlacedAndNowhereElse() throws Exception {
        try (Store s = Store.open(root)) {
            s.createDirectories("box");
            s.createDirectories("evil");
            write(s, "box/a"); // "box" is now listed in .txring/shadow-dirs
            write(s, "evil/a");
        }
        Files.writeString(root.resolve("box/.txr-9-dead-1-0"), "a crashed transaction's shadow");
        Files.createDirectories(root.resolve("nested"));
        Files.writeString(root.resolve("nested/.txr-not-ours"), "another store's live shadow");
        // A listed directory swapped for a symlink to elsewhere: the sweep must not follow it.
        Files.writeString(outside.resolve(".txr-victim"), "keep me");
        Files.delete(root.resolve("evil/a"));
        Files.delete(root.resolve("evil"));
        Files.createSymbolicLink(root.resolve("evil"), outside);
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().contains("1 orphan shadows removed"), s.recoverySummary());
        }
        assertFalse(Files.exists(root.resolve("box/.txr-9-dead-1-0")), "swept where the store placed shadows");
        assertTrue(Files.exists(root.resolve("nested/.txr-not-ours")), "a directory the store never used is not walked");
        assertEquals("keep me", Files.readString(outside.resolve(".txr-victim")), "never through a symlink");
        assertEquals("v", Files.readString(root.resolve("box/a")));
    }

    @Test
    void aStoreFromBeforeTheListIsWalkedOnce() throws Exception {
        Files.createDirectories(root.resolve("old"));
        Files.writeString(root.resolve("old/.txr-1-old-1-0"), "left by an older version");
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().contains("1 orphan shadows removed"), s.recoverySummary());
        }
        assertFalse(Files.exists(root.resolve("old/.txr-1-old-1-0")));
    }
}
