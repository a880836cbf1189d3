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

    /** {@link Ring#callHere}: an op the ring does not route runs as a syscall on this thread, never in the SQ; a linked one is refused. */
    @Test
    void callHereRunsAnUnroutedOpAsASyscall(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("f"), new byte[1]);
        try (Ring ring = Ring.open(RingConfig.builder().backend(Backend.IO_URING).mode(Mode.SHARED).build())) {
            int fd = ring.call(Op.openat(AT_FDCWD, file.toString(), O_RDONLY, 0));
            RingMetrics before = ring.metrics();
            assertEquals(0, ring.callHere(Op.close(fd)));
            RingMetrics here = ring.metrics().minus(before);
            assertEquals(1, here.inline(), "the close ran as a syscall: " + here);
            assertEquals(0, here.submitted(), "and did not reach the ring: " + here);
            assertEquals(-io.txring.uring.generated.Errno.EBADF, ring.callHere(Op.close(Integer.MAX_VALUE)), "a failure comes back as -errno");
            assertThrows(IllegalArgumentException.class, () -> ring.callHere(Op.close(Integer.MAX_VALUE).hardLink()));
        }
    }

    /**
     * A lone routed call needs no slot and no lock: threads stat while timeouts hold every slot
     * of the ring; had a routed call needed a slot, it would have waited for a timeout to end,
     * so all of them finishing while every timeout is still pending proves it did not. A linked
     * routed op still runs in order with its chain.
     */
    @Test
    void loneRoutedCallsRunBesideAFullRingAndChainsKeepTheirOrder(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("f"), new byte[77]);
        RingConfig config = RingConfig.builder().backend(Backend.IO_URING).mode(Mode.SHARED).entries(4).maxInFlight(4)
                .runAsSyscalls(IORING_OP_STATX, IORING_OP_RENAMEAT).build();
        try (Ring ring = Ring.open(config); Arena arena = Arena.ofShared()) {
            java.util.List<java.util.concurrent.CompletableFuture<Integer>> sleepers = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) sleepers.add(ring.submitAsync(new Op().prepTimeout(java.time.Duration.ofSeconds(5), 0, 0)));
            Thread[] ts = new Thread[4];
            int[] bad = new int[1];
            for (int t = 0; t < ts.length; t++) {
                ts[t] = Thread.ofPlatform().start(() -> {
                    MemorySegment buf = arena.allocate(statx.SIZEOF, 8);
                    for (int i = 0; i < 200; i++) {
                        int[] r = ring.callBatch(new Op().prepStatx(AT_FDCWD, file.toString(), 0, STATX_BASIC_STATS, buf),
                                new Op().prepStatx(AT_FDCWD, file.toString(), 0, STATX_BASIC_STATS, buf));
                        if (r[0] != 0 || r[1] != 0 || buf.get(JAVA_LONG, statx.stx_size$OFFSET) != 77) {
                            synchronized (bad) { bad[0]++; }
                        }
                    }
                });
            }
            for (Thread t : ts) t.join();
            assertEquals(0, bad[0], "every routed statx saw the file");
            assertTrue(sleepers.stream().noneMatch(java.util.concurrent.CompletableFuture::isDone),
                    "1,600 routed statx finished while every slot was still taken");
            for (var f : sleepers) { // each timeout ran its course: the ring was full all along
                var e = assertThrows(java.util.concurrent.ExecutionException.class, f::get);
                assertTrue(String.valueOf(e.getCause()).contains("ETIME"), "timed out, not cancelled: " + e.getCause());
            }

            // In a chain, a routed rename runs in order: the write before it completes first.
            Path a = dir.resolve("a"), b = dir.resolve("b");
            int fd = ring.call(Op.openat(AT_FDCWD, a.toString(), O_CREAT | O_WRONLY, 0644));
            MemorySegment xyz = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, "xyz".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            int[] r = ring.callChain(Op.write(fd, xyz, 0), Op.close(fd), Op.renameat(AT_FDCWD, a.toString(), AT_FDCWD, b.toString(), 0));
            assertArrayEquals(new int[] {3, 0, 0}, r);
            assertEquals("xyz", Files.readString(b));
            assertFalse(Files.exists(a));
        }
    }

    @Test
    void aClosedRingRefusesRoutedCalls(@TempDir Path dir) throws Exception {
        Ring ring = Ring.open(RingConfig.builder().backend(Backend.IO_URING).runAsSyscalls(IORING_OP_STATX).build());
        ring.close();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(statx.SIZEOF, 8);
            assertThrows(IllegalStateException.class, () -> ring.callRaw(new Op().prepStatx(AT_FDCWD, dir.toString(), 0, STATX_BASIC_STATS, buf)));
        }
    }

    @Test
    void opcodesOutsideTheBitmapAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RingConfig.builder().runAsSyscalls(64));
        assertThrows(IllegalArgumentException.class, () -> RingConfig.builder().runAsSyscalls(-1));
    }
}
