package io.txring.core;

import static io.txring.uring.generated.uring_h.*;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.uring.generated.statx;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RingConfig.Builder#runAsSyscalls}: routed opcodes skip the ring, with the same results; others still use it. */
class SyscallRoutingTest {
    @Test
    void routedStatxAndWriteRunAsSyscallsOthersUseTheRing(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("f"), new byte[1234]);
        RingConfig config = RingConfig.builder().backend(Backend.IO_URING).mode(Mode.SHARED)
                .runAsSyscalls(IORING_OP_STATX, IORING_OP_WRITE).build();
        try (Ring ring = Ring.open(config); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(statx.SIZEOF, 8);
            RingMetrics before = ring.metrics();
            OpQueue q = ring.queue(8);
            for (int i = 0; i < 4; i++) q.send(new Op().prepStatx(AT_FDCWD, file.toString(), 0, STATX_BASIC_STATS, buf));
            q.barrier();
            for (int i = 0; i < 4; i++) assertEquals(0, q.get());
            assertEquals(1234, buf.get(JAVA_LONG, statx.stx_size$OFFSET));
            RingMetrics routed = ring.metrics().minus(before);
            assertEquals(4, routed.inline(), "statx ran as syscalls: " + routed);
            // nothing reached the SQ (enters alone would race with the reaper's own wait in the kernel)
            assertEquals(0, routed.submitted(), "no routed op reached the ring: " + routed);

            int fd = ring.call(Op.openat(AT_FDCWD, file.toString(), O_RDWR, 0));
            MemorySegment abc = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, "abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(3, ring.call(Op.write(fd, abc, 0)));
            assertEquals(0, ring.call(Op.close(fd)));
            assertEquals("abc", new String(Files.readAllBytes(file), 0, 3, java.nio.charset.StandardCharsets.US_ASCII));
            RingMetrics all = ring.metrics().minus(before);
            assertEquals(2, all.submitted(), "openat and close went through the ring, the routed write did not: " + all);
            assertEquals(5, all.inline(), "four statx and the write ran as syscalls: " + all);
        }
    }

    @Test
    void opcodesOutsideTheBitmapAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RingConfig.builder().runAsSyscalls(64));
        assertThrows(IllegalArgumentException.class, () -> RingConfig.builder().runAsSyscalls(-1));
    }
}
