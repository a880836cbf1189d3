package io.txring.core;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** SQPOLL: wake-ups after the kernel thread slept; traps per op in a steady burst. */
class SqpollTest {
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
    void steadyNopBurstCostsAlmostNoTraps() throws Exception {
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
            assertTrue(d.entersPerOp() < 0.01, "io_uring_enter calls per op: " + d.entersPerOp() + " " + d);
        }
    }

    private static void drain(OpQueue q) {
        q.barrier();
        while (q.outstanding() > 0) assertEquals(0, q.get());
    }
}
