package io.txring.core;

import static io.txring.uring.generated.uring_h.*;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.uring.generated.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The seed's queue: barrier ordering, results in send order, link chains, overflow. */
class QueueSemanticsTest {
    @TempDir Path dir;
    final Arena arena = Arena.ofAuto();

    static java.util.stream.Stream<String> backends() { return Backends.all(); }

    private MemorySegment filled(int n) {
        MemorySegment m = arena.allocate(Math.max(1, n));
        m.fill((byte) 'q');
        return m.asSlice(0, n);
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void barrierWaitsForEverythingSentBeforeIt(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            OpQueue q = ring.queue();
            int fd = ring.call(Op.openat(AT_FDCWD, dir.resolve("b").toString(), O_CREAT | O_RDWR, 0644));
            for (int i = 0; i < 200; i++) q.send(Op.write(fd, filled(10), i * 10L));
            q.barrier();
            assertEquals(2000, Files.size(dir.resolve("b")), "every write sent before the barrier is done");
            for (int i = 0; i < 200; i++) assertEquals(10, q.get());
            assertEquals(0, q.outstanding());
            q.send(Op.close(fd));
            assertEquals(0, q.get());
            assertThrows(IllegalStateException.class, q::get);
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void resultsComeBackInSendOrder(String backend) throws Exception {
        try (Ring ring = Backends.open(backend)) {
            OpQueue q = ring.queue();
            int fd = ring.call(Op.openat(AT_FDCWD, dir.resolve("o").toString(), O_CREAT | O_RDWR, 0644));
            for (int round = 0; round < 5; round++) {
                for (int i = 1; i <= 100; i++) q.send(Op.write(fd, filled(i), 0));
                for (int i = 1; i <= 100; i++) assertEquals(i, q.get(), "result " + i + " of round " + round);
            }
            ring.call(Op.close(fd));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void failedLinkCancelsTheRestOfItsChain(String backend) throws Exception {
        Files.writeString(dir.resolve("ten"), "0123456789");
        try (Ring ring = Backends.open(backend)) {
            OpQueue q = ring.queue();
            q.send(Op.openat(AT_FDCWD, dir.resolve("missing").toString(), O_RDONLY, 0), Op.nop(), Op.nop());
            assertEquals(-Errno.ENOENT, q.get());
            assertEquals(-Errno.ECANCELED, q.get());
            assertEquals(-Errno.ECANCELED, q.get());

            int fd = ring.call(Op.openat(AT_FDCWD, dir.resolve("ten").toString(), O_RDONLY, 0));
            int[] shortRead = ring.callChain(Op.read(fd, arena.allocate(100), 0), Op.nop());
            assertArrayEquals(new int[] {10, -Errno.ECANCELED}, shortRead, "a short read breaks the link");

            int[] hard = ring.callChain(Op.openat(AT_FDCWD, dir.resolve("missing").toString(), O_RDONLY, 0).hardLink(), Op.nop());
            assertArrayEquals(new int[] {-Errno.ENOENT, 0}, hard, "a hard link runs the next op anyway");
            ring.call(Op.close(fd));
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void batchLargerThanTheRingIsNeverCutInsideAChain(String backend) throws Exception {
        try (Ring ring = Ring.open(Backends.builder(backend).entries(4).cqEntries(8).maxInFlight(64).build())) {
            // Pairs "fail, then (hard-linked) the next runs anyway"; 3 ops per pair group would straddle 4-entry cuts.
            Op[] ops = new Op[9];
            for (int i = 0; i < 9; i += 3) {
                ops[i] = Op.openat(AT_FDCWD, dir.resolve("missing").toString(), O_RDONLY, 0).link();
                ops[i + 1] = Op.nop().link();
                ops[i + 2] = Op.nop();
            }
            int[] r = ring.callBatch(ops);
            for (int i = 0; i < 9; i += 3) {
                assertArrayEquals(new int[] {-Errno.ENOENT, -Errno.ECANCELED, -Errno.ECANCELED}, java.util.Arrays.copyOfRange(r, i, i + 3),
                        "chain " + i / 3 + " stayed one chain: " + java.util.Arrays.toString(r));
            }
            Op[] tooLong = new Op[5];
            for (int i = 0; i < 5; i++) tooLong[i] = i < 4 ? Op.nop().link() : Op.nop();
            Op[] withTail = java.util.Arrays.copyOf(tooLong, 6);
            withTail[5] = Op.nop();
            assertThrows(IllegalArgumentException.class, () -> ring.callBatch(withTail), "a chain longer than the ring cannot be submitted whole");
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backends")
    void burstOfTenTimesTheSqWithASmallCqLosesNothing(String backend) throws Exception {
        RingConfig config = Backends.builder(backend).entries(16).cqEntries(16).maxInFlight(1024).build();
        try (Ring ring = Ring.open(config)) {
            OpQueue q = ring.queue(1024);
            int fd = ring.call(Op.openat(AT_FDCWD, dir.resolve("burst").toString(), O_CREAT | O_RDWR, 0644));
            // Whether 160 writes outrun the first reap is the kernel's timing (an io-wq punt can
            // finish late): a burst that did not overflow must still lose nothing, and one of
            // up to 20 bursts must overflow, so the backlog path is run, not assumed.
            long overflows = 0;
            for (int burst = 0; burst < 20 && overflows == 0; burst++) {
                RingMetrics before = ring.metrics();
                int n = 10 * 16;
                for (int i = 1; i <= n; i++) q.send(Op.write(fd, filled(i % 50 + 1), 0));
                q.barrier();
                for (int i = 1; i <= n; i++) assertEquals(i % 50 + 1, q.get(), "burst " + burst + " op " + i);
                RingMetrics d = ring.metrics().minus(before);
                assertEquals(n, d.submitted());
                assertEquals(n, d.completed(), "each completion delivered exactly once");
                overflows = d.cqOverflows();
                if (!backend.equals("io_uring-SINGLE_ISSUER")) break; // others reap while the burst runs
            }
            if (backend.equals("io_uring-SINGLE_ISSUER")) {
                assertTrue(overflows > 0, "with nobody reaping during the burst the CQ must overflow in one of 20 bursts");
            }
            ring.call(Op.close(fd));
        }
    }

    @Test
    void singleIssuerRingRefusesOtherThreads() throws Exception {
        try (Ring ring = Backends.open("io_uring-SINGLE_ISSUER")) {
            assertEquals(Mode.SINGLE_ISSUER, ring.mode());
            Throwable[] seen = new Throwable[1];
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    ring.call(Op.nop());
                } catch (Throwable e) {
                    seen[0] = e;
                }
            });
            t.join();
            assertInstanceOf(IllegalStateException.class, seen[0]);
            assertEquals(0, ring.call(Op.nop()));
        }
    }

    @Test
    void blockingBackendSaysWhy() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder().backend(Backend.BLOCKING).build())) {
            assertEquals(Backend.BLOCKING, ring.backend());
            assertNotNull(ring.fallbackCause());
            assertTrue(ring.describe().contains("blocking"));
        }
    }
}
