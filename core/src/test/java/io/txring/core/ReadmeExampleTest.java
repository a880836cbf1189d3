package io.txring.core;

import static io.txring.uring.generated.uring_h.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's core example, verbatim but for the directory: the docs must match the code. */
class ReadmeExampleTest {
    @TempDir Path tmp;

    @Test
    void readmeExampleRuns() throws Exception {
        try (Ring ring = Ring.open();
             Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom(JAVA_BYTE, "hello\n".getBytes(US_ASCII));
            int dir = ring.call(Op.openat(AT_FDCWD, tmp.toString(), O_RDONLY | O_DIRECTORY, 0));
            OpQueue q = ring.queue();
            q.send(new Op().prepOpenatDirect(dir, "a.tmp", O_CREAT | O_WRONLY, 0644, 0),
                   new Op().prepWrite(0, data, 0).fixedFile(),
                   new Op().prepFsync(0).fixedFile(),
                   new Op().prepCloseDirect(0),
                   Op.renameat(dir, "a.tmp", dir, "a", RENAME_NOREPLACE));
            q.barrier();
            for (int i = 0; i < 5; i++) q.getOrThrow();
            int n = ring.submitAsync(Op.fsync(dir)).join();
            assertEquals(0, n);
        }
        assertEquals("hello\n", Files.readString(tmp.resolve("a")));
    }
}
