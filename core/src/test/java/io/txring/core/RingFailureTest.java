package io.txring.core;

import static io.txring.uring.generated.uring_h.*;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.uring.generated.Errno;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ring never strands a caller: every io_uring_enter result is handled and a failed delivery
 * breaks the ring cleanly. Against the kernel's real io_uring; only one enter's result or one
 * delivery is injected ({@link Faults#failEnter}, {@link Faults#throwInDelivery}).
 */
class RingFailureTest {
    @TempDir Path dir;

    /** Where a flush submits SQEs with io_uring_enter (SQPOLL's kernel thread takes them without one). */
    static Stream<String> submittingBackends() {
        return Stream.of("io_uring-SHARED", "io_uring-SINGLE_ISSUER");
    }

    static Stream<String> backends() {
        return Backends.all();
    }

    @ParameterizedTest(name = "{0}") @MethodSource("submittingBackends")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void eagainFromOneEnterIsRetriedAfterReaping(String backend) throws Exception {
        Faults f = Faults.none().failEnter(1, Errno.EAGAIN); // enter #0 submits the open, #1 the write
        Path file = dir.resolve("f");
        try (Ring ring = Ring.open(Backends.builder(backend).faults(f).build()); Arena a = Arena.ofConfined()) {
            int fd = ring.call(Op.openat(AT_FDCWD, file.toString(), O_CREAT | O_WRONLY, 0644));
            RingMetrics before = ring.metrics();
            assertEquals(4, ring.callRaw(Op.write(fd, a.allocate(4), 0)));
            assertTrue(f.fired(), "the enter was refused");
            RingMetrics d = ring.metrics().minus(before);
            assertEquals(1, d.enterRetries(), d::toString);
            assertEquals(0, d.enterFailures(), d::toString);
            assertEquals(1, d.submitted(), () -> "counted once, from what the kernel took: " + d);
            ring.call(Op.close(fd));
            assertEquals(4, Files.size(file));
            assertEquals(0, ring.slots.inFlight(), "no slot leaked");
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("submittingBackends")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anotherErrnoFailsTheOpsWithItAndTheyNeverRun(String backend) throws Exception {
        Faults f = Faults.none().failEnter(1, Errno.EINVAL);
        Path file = dir.resolve("g");
        try (Ring ring = Ring.open(Backends.builder(backend).faults(f).build()); Arena a = Arena.ofConfined()) {
            int fd = ring.call(Op.openat(AT_FDCWD, file.toString(), O_CREAT | O_WRONLY, 0644));
            RingMetrics before = ring.metrics();
            // Both ops of the refused submission complete with its errno; neither reaches the file.
            assertArrayEquals(new int[] {-Errno.EINVAL, -Errno.EINVAL},
                    ring.callBatch(Op.write(fd, a.allocate(4), 0), Op.write(fd, a.allocate(8), 4)));
            assertTrue(f.fired());
            RingMetrics d = ring.metrics().minus(before);
            assertEquals(1, d.enterFailures(), d::toString);
            assertEquals(0, d.submitted(), () -> "the kernel took nothing: " + d);
            assertEquals(0, Files.size(file), "taken back SQEs never ran");
            // The ring goes on: the SQ tail was taken back, so the next enter submits only the new op.
            assertEquals(4, ring.callRaw(Op.write(fd, a.allocate(4), 0)));
            assertEquals(4, Files.size(file));
            assertArrayEquals(new int[] {0, 0}, ring.callChain(Op.nop(), Op.nop()));
            ring.call(Op.close(fd));
            assertFalse(ring.isBroken());
            assertEquals(0, ring.slots.inFlight(), "no slot leaked");
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aThrowInDeliveryFailsEveryOpInFlightAndBreaksTheRing(String backend) throws Exception {
        Faults f = Faults.none().throwInDelivery(1);
        Ring ring = Ring.open(Backends.builder(backend).faults(f).build());
        try {
            assertEquals(0, ring.call(Op.nop())); // delivery #0
            CompletableFuture<Integer> sleeper = ring.submitAsync(new Op().prepTimeout(Duration.ofSeconds(3), 0, 0));
            // Delivery #1 (this nop's) throws: its completion is lost, so the ring must say so, not hang.
            RingBrokenException e = assertThrows(RingBrokenException.class, () -> ring.callRaw(Op.nop()));
            assertInstanceOf(Faults.InjectedDeliveryError.class, e.getCause(), "the cause is named");
            assertTrue(f.fired());
            assertTrue(ring.isBroken());
            // The op still in flight failed with the same clear error (had it waited for its timeout, it would have completed with -ETIME).
            ExecutionException ee = assertThrows(ExecutionException.class, () -> sleeper.get(30, TimeUnit.SECONDS));
            assertInstanceOf(RingBrokenException.class, ee.getCause());
            // Later calls fail fast with the typed error naming the cause.
            RingBrokenException later = assertThrows(RingBrokenException.class, () -> ring.callRaw(Op.nop()));
            assertSame(e, later);
            assertThrows(RingBrokenException.class, () -> ring.submitAsync(Op.nop()));
            assertThrows(RingBrokenException.class, () -> ring.queue().send(Op.nop()));
        } finally {
            ring.close(); // returns: a broken ring still tears down
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aThrowInDeliveryWakesAQueueWaitingAtItsBarrier(String backend) throws Exception {
        Faults f = Faults.none().throwInDelivery(0);
        Ring ring = Ring.open(Backends.builder(backend).faults(f).build());
        try {
            OpQueue q = ring.queue();
            q.send(new Op().prepTimeout(Duration.ofMillis(20), 0, 0));
            assertThrows(RingBrokenException.class, q::barrier);
            assertTrue(ring.isBroken());
        } finally {
            ring.close();
        }
    }
}
