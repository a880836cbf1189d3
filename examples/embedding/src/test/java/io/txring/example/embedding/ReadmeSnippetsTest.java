package io.txring.example.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's snippets work from a project that only has txring's installed jars. */
class ReadmeSnippetsTest {
    @TempDir Path dir;

    @Test
    void coreApiWritesTheFileDurably() throws Exception {
        assertEquals(0, ReadmeSnippets.coreApi(dir));
        assertEquals("hello\n", Files.readString(dir.resolve("a")));
    }

    @Test
    void transferMovesTenBetweenTwoFiles() throws Exception {
        Path acct = Files.createDirectories(dir.resolve("acct"));
        Files.writeString(acct.resolve("a"), "100");
        Files.writeString(acct.resolve("b"), "5");
        ReadmeSnippets.transfer(dir);
        assertEquals("90", Files.readString(acct.resolve("a")));
        assertEquals("15", Files.readString(acct.resolve("b")));
    }
}
