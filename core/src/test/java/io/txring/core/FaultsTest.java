package io.txring.core;

import static io.txring.uring.generated.uring_h.*;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.uring.generated.Errno;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Injected faults complete like real ones, cut chains, and leave no slot behind. */
class FaultsTest {
    @TempDir Path dir;

    static java.util.stream.Stream<String> backends() { return Backends.all(); }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void injectedErrnoCompletesLikeARealOne(String backend) throws Exception {
        Faults f = Faults.nth(Faults.opcodes(IORING_OP_WRITE), 1, Errno.ENOSPC);
        try (Ring ring = Ring.open(Backends.builder(backend).faults(f).build()); Arena a = Arena.ofConfined()) {
            int fd = ring.call(Op.openat(AT_FDCWD, dir.resolve("f").toString(), O_CREAT | O_WRONLY, 0644));
            assertEquals(4, ring.callRaw(Op.write(fd, a.allocate(4), 0)));
            assertEquals(-Errno.ENOSPC, ring.callRaw(Op.write(fd, a.allocate(4), 0)));
            assertTrue(f.fired());
            assertArrayEquals(new int[] {4, 0}, ring.callBatch(Op.write(fd, a.allocate(4), 0), Op.nop()));
            Faults g = f; // one-shot: later writes run
            assertEquals(3, g.seen());
            ring.call(Op.close(fd));
            assertEquals(0, ring.slots.inFlight(), "no slot leaked");
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void injectedFaultCutsItsChain(String backend) throws Exception {
        Faults f = Faults.nth(Faults.opcodes(IORING_OP_FSYNC), 0, Errno.EIO);
        try (Ring ring = Ring.open(Backends.builder(backend).faults(f).build())) {
            int fd = ring.call(Op.openat(AT_FDCWD, dir.resolve("g").toString(), O_CREAT | O_WRONLY, 0644));
            assertArrayEquals(new int[] {0, -Errno.EIO, -Errno.ECANCELED}, ring.callChain(Op.nop(), Op.fsync(fd), Op.nop()));
            ring.call(Op.close(fd));
            assertEquals(0, ring.slots.inFlight(), "no slot leaked");
        }
    }
}
