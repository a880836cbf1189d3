package io.txring.core;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** SQPOLL: wake-ups after the kernel thread slept; traps per op in a steady burst; the owner variant's one wait. */
class SqpollTest {
    @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir;

    /**
     * SQPOLL_SINGLE_ISSUER: a linked chain on direct descriptors is submitted without a trap and
     * waited for in exactly one io_uring_enter (a wake-up of a sleeping poller rides in the same enter);
     * there is no reaper thread, and another thread is refused.
     */
    @Test
    void ownerChainOnDirectDescriptorsIsOneEnter() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder().backend(Backend.IO_URING).mode(Mode.SQPOLL_SINGLE_ISSUER)
                .registeredFiles(2).sqThreadIdle(Duration.ofMillis(1)).build());
                java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            assertEquals(Mode.SQPOLL_SINGLE_ISSUER, ring.mode());
            assertTrue((ring.setupFlags() & io.txring.uring.generated.uring_h.IORING_SETUP_SQPOLL) != 0, ring.describe());
            String file = dir.resolve("f").toString();
            var out = arena.allocate(64);
            out.fill((byte) 'q');
            var in = arena.allocate(64);
            Thread.sleep(50); // 50× the idle time: the poller is most likely asleep, so the wait must also wake it
            RingMetrics before = ring.metrics();
            int[] res = ring.callChain(
                    new Op().prepOpenatDirect(io.txring.uring.generated.uring_h.AT_FDCWD, file,
                            io.txring.uring.generated.uring_h.O_RDWR | io.txring.uring.generated.uring_h.O_CREAT, 0600, 0),
                    Op.write(0, out, 0).fixedFile(),
                    Op.fdatasync(0).fixedFile(),
                    Op.read(0, in, 0).fixedFile(),
                    new Op().prepCloseDirect(0));
            RingMetrics d = ring.metrics().minus(before);
            assertArrayEquals(new int[] {0, 64, 0, 64, 0}, res);
            assertEquals(-1L, in.mismatch(out), "read back what was written");
            // Whether the poller had gone to sleep depends on the scheduler; either way the wake-up rides in the one wait.
            assertEquals(1, d.enters(), "one io_uring_enter for the whole chain, a wake-up of the poller included: " + d);
            Throwable[] seen = new Throwable[1];
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    ring.call(Op.nop());
                } catch (Throwable t) {
                    seen[0] = t;
                }
            });
            other.join();
            assertInstanceOf(IllegalStateException.class, seen[0], "only the owner may use the ring");
        }
    }

    @Test
    void submitAfterThePollerSleptWakesIt() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder().backend(Backend.IO_URING).mode(Mode.SQPOLL)
                .sqThreadIdle(Duration.ofMillis(1)).build())) {
            assertEquals(Mode.SQPOLL, ring.mode());
            assertEquals(0, ring.call(Op.nop()));
            RingMetrics before = ring.metrics();
            Thread.sleep(100); // 100× the idle time: the poller is asleep
            assertEquals(0, ring.call(Op.nop()));
            assertTrue(ring.metrics().minus(before).wakeups() >= 1, "the sleeping poller was woken: " + ring.metrics());
        }
    }

    @Test
    void steadyNopBurstCompletesEveryOpThroughThePoller() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder().backend(Backend.IO_URING).mode(Mode.SQPOLL)
                .entries(256).sqThreadIdle(Duration.ofMillis(100)).build())) {
            OpQueue q = ring.queue(1024);
            Op[] ops = new Op[256];
            for (int i = 0; i < ops.length; i++) ops[i] = new Op();
            for (int i = 0; i < 2_000; i++) { q.send(ops[i & 255].prepNop()); if ((i & 255) == 255) drain(q); } // warm-up
            drain(q);
            RingMetrics before = ring.metrics();
            int n = 100_000;
            for (int i = 0; i < n; i++) {
                q.send(ops[i & 255].prepNop());
                if ((i & 255) == 255) drain(q);
            }
            drain(q);
            RingMetrics d = ring.metrics().minus(before);
            assertEquals(n, d.completed());
            System.out.printf("SQPOLL steady burst: %d NOPs, %d io_uring_enter calls (%.5f per op), %d wake-ups%n",
                    d.completed(), d.enters(), d.entersPerOp(), d.wakeups());
            // How few traps that took is a figure, not a behaviour: `./txring bench burst` reports it per op for SQPOLL.
        }
    }

    private static void drain(OpQueue q) {
        q.barrier();
        while (q.outstanding() > 0) assertEquals(0, q.get());
    }
}
