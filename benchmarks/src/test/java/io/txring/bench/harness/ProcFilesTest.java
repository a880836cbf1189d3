package io.txring.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The parsing under the bench's per-op counters: dev_t numbers and /proc status lines. Nothing here is timed. */
class ProcFilesTest {
    @Test
    void devNumbersDecodeAsGlibcDoes() {
        assertEquals(254, BlockDeviceFlushes.major(0xfe00)); // vda: st_dev 65024
        assertEquals(0, BlockDeviceFlushes.minor(0xfe00));
        assertEquals(7, BlockDeviceFlushes.major(0x0703)); // loop3
        assertEquals(3, BlockDeviceFlushes.minor(0x0703));
        // a minor above 255 spills into bits 20+ (NVMe partitions, many loop devices): makedev(259, 65537)
        long dev = (259L & 0xfff) << 8 | (65537L & 0xff) | (65537L & ~0xffL) << 12;
        assertEquals(259, BlockDeviceFlushes.major(dev));
        assertEquals(65537, BlockDeviceFlushes.minor(dev));
    }

    @Test
    void contextSwitchesAreVoluntaryPlusInvoluntary() {
        String status = "Name:\tjava\nState:\tS (sleeping)\nvoluntary_ctxt_switches:\t120\nnonvoluntary_ctxt_switches:\t7\n";
        assertEquals(127, ProcessCounters.switches(status));
    }

    @Test
    void switchesOfAThreadBornOrGoneBetweenSnapshotsNeverGoNegative() {
        ProcessCounters before = new ProcessCounters(10, 5, java.util.Map.of(1L, 100L, 2L, 50L), 3);
        ProcessCounters after = new ProcessCounters(30, 6, java.util.Map.of(1L, 130L, 3L, 4L), 10); // thread 2 exited, 3 was born
        assertEquals(34, after.switchesSince(before));
        assertEquals(20 * ProcessCounters.NANOS_PER_TICK, after.userNanosSince(before));
        assertEquals(ProcessCounters.NANOS_PER_TICK, after.sysNanosSince(before));
        assertEquals(7.0 / 21, after.jitShareSince(before), 1e-9);
    }

    @Test
    void thisProcessHasReadableCounters() throws Exception {
        ProcessCounters now = ProcessCounters.of(ProcessHandle.current().pid());
        assertTrue(now.switchesByThread().size() > 1, "a JVM has more than one thread: " + now.switchesByThread());
        assertTrue(now.userTicks() >= 0 && now.sysTicks() >= 0);
        // this JVM compiled the test framework: its compiler threads exist and are counted, never more than the process
        assertTrue(now.jitTicks() > 0 && now.jitTicks() <= now.userTicks() + now.sysTicks(), "JIT ticks " + now.jitTicks());
    }
}
