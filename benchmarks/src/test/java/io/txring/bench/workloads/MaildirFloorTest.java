package io.txring.bench.workloads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.txring.bench.harness.RoundSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The C floor variant builds, delivers every message to every recipient, and reports the processes' own counters. */
class MaildirFloorTest {
    @Test
    void roundsDeliverEveryMessageToEveryRecipient(@TempDir Path dir) throws Exception {
        MaildirFloor floor = new MaildirFloor(dir.resolve("floor"), 2, 3, 20);
        for (int round = 0; round < 2; round++) { // a second round gets fresh directories
            RoundSample s = floor.round();
            assertEquals(20, s.ops());
            assertTrue(s.nanos() > 0 && s.cpuNanos() > 0, "wall and CPU counted: " + s);
            assertEquals(s.cpuNanos(), s.userNanos() + s.sysNanos());
            assertTrue(s.contextSwitches() >= 20, "every fdatasync sleeps at least once: " + s);
            for (int p = 0; p < 2; p++) {
                Path mine = dir.resolve("floor").resolve("round-" + round).resolve(Integer.toString(p));
                assertEquals(0, count(mine.resolve("tmp")), "tmp/ left empty");
                for (int r = 0; r < 3; r++) assertEquals(10, count(mine.resolve(Integer.toString(r)).resolve("new")));
            }
        }
    }

    private static long count(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }
}
