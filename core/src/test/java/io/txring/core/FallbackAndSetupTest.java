package io.txring.core;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.txring.uring.generated.uring_h;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Ring setup variants, and the fallback when io_uring is switched off. */
class FallbackAndSetupTest {
    private static final Path IO_URING_DISABLED = Path.of("/proc/sys/kernel/io_uring_disabled");

    @Test
    void twoSqpollRingsShareOneKernelThread() throws Exception {
        RingConfig.Builder b = RingConfig.builder().backend(Backend.IO_URING).mode(Mode.SQPOLL).sqThreadIdle(Duration.ofMillis(5));
        try (Ring first = Ring.open(b.sqThreadCpu(0).build());
             Ring second = Ring.open(b.sqThreadCpu(-1).shareSqThreadOf(first).build())) {
            assertNotEquals(0, second.setupFlags() & uring_h.IORING_SETUP_ATTACH_WQ, "ATTACH_WQ granted");
            assertNotEquals(0, first.setupFlags() & uring_h.IORING_SETUP_SQ_AFF, "SQ_AFF granted");
            assertEquals(0, first.call(Op.nop()));
            assertEquals(0, second.call(Op.nop()));
        }
    }

    @Test
    void grantedFlagsAreCheckedNotAssumed() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder().backend(Backend.IO_URING).mode(Mode.SINGLE_ISSUER).build())) {
            // Flags above bit 7 must survive the round trip (a library that typed them as byte lost them).
            assertNotEquals(0, ring.setupFlags() & uring_h.IORING_SETUP_SINGLE_ISSUER, ring.describe());
            assertNotEquals(0, ring.setupFlags() & uring_h.IORING_SETUP_DEFER_TASKRUN, ring.describe());
        }
    }

    /**
     * Switches io_uring off machine-wide for a moment (kernel.io_uring_disabled=2, what
     * hardened hosts set) and checks that the ring falls back and says why. Needs root;
     * CI runs as root.
     */
    @Test
    void disabledIoUringFallsBackWithTheCause() throws Exception {
        assumeTrue(Files.isWritable(IO_URING_DISABLED), "needs root to flip kernel.io_uring_disabled (CI runs as root)");
        String before = Files.readString(IO_URING_DISABLED).strip();
        try {
            Files.writeString(IO_URING_DISABLED, "2");
            try (Ring ring = Ring.open(RingConfig.builder().build())) {
                assertEquals(Backend.BLOCKING, ring.backend());
                assertTrue(ring.fallbackCause().contains("EPERM") && ring.fallbackCause().contains("io_uring_disabled=2"),
                        ring.fallbackCause());
                assertEquals(0, ring.call(Op.nop()), "the fallback still runs ops");
            }
            assertThrows(java.io.IOException.class, () -> Ring.open(RingConfig.builder().backend(Backend.IO_URING).build()),
                    "asking for io_uring explicitly fails instead of falling back");
        } finally {
            Files.writeString(IO_URING_DISABLED, before);
        }
    }
}
