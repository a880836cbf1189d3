package io.txring.mailspool.lmtp;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.Unpooled;
import io.txring.mailspool.MailDrop;
import io.txring.mailspool.MessageSink;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The throttle between the event loop and the intake's worker: every {@code full()} that
 * says stop is followed by exactly one resume. A stress guard of the invariant — the lost
 * wake-up fixed in {@link MessageIntake#full()} needs the worker to drain everything within
 * a few instructions of the event loop, too narrow a window to be hit on demand here.
 */
class MessageIntakeTest {
    /** A sink that only counts: the worker drains as fast as it can, which is what opens the race. */
    private static MailDrop counting(AtomicLong appended) {
        return recipients -> new MessageSink() {
            @Override public void append(MemorySegment data) { appended.addAndGet(data.byteSize()); }
            @Override public List<String> commit() { return List.of("new/x"); }
            @Override public void close() {}
        };
    }

    @Test
    void everyThrottleIsResumed() throws Exception {
        AtomicLong appended = new AtomicLong();
        Semaphore resumed = new Semaphore(0);
        // A high water of 2 bytes and 1-byte chunks: the queue fills and drains on almost every offer.
        MessageIntake intake = new MessageIntake(counting(appended), List.of(), 2, resumed::release).start("intake-test");
        int offers = 200_000, throttles = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int i = 0; i < offers && System.nanoTime() < deadline; i++) {
            intake.offer(Unpooled.wrappedBuffer(new byte[] {'x'}));
            if (intake.full()) {
                throttles++;
                // The event loop would stop reading here: only the resume may start it again.
                assertTrue(resumed.tryAcquire(5, TimeUnit.SECONDS), "throttle " + throttles + " after " + (i + 1) + " offers was never resumed");
            }
        }
        MessageIntake.Outcome o = intake.finish().get(10, TimeUnit.SECONDS);
        assertNull(o.failure());
        assertEquals(0, resumed.availablePermits(), "no resume without a throttle");
        assertTrue(throttles > 0, "the throttle was exercised");
        System.out.println("MessageIntakeTest: " + throttles + " throttles, " + appended.get() + " bytes");
    }
}
