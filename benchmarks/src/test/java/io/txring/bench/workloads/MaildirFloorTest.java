package io.txring.bench.workloads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.txring.bench.harness.RoundSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The C floor variant builds, delivers every message of a round to every recipient, and counts what it did. */
class MaildirFloorTest {
    @Test
    void aRoundDeliversEveryMessageToEveryRecipientInOneSpool(@TempDir Path dir) throws Exception {
        Path floorDir = dir.resolve("floor");
        MaildirFloor floor = new MaildirFloor(floorDir, MaildirFloor.build(floorDir), 3, 3, 400); // 400 over 3: 134, 133, 133
        for (int round = 0; round < 2; round++) { // the second round gets a fresh spool
            RoundSample s = floor.round();
            assertEquals(400, s.ops());
            assertTrue(s.cpuNanos() > 0 && s.sysNanos() > 0, "the processes' CPU is counted: " + s);
            assertEquals(-1, s.traps(), "no ring here: not counted");
            Path spool = floorDir.resolve("round-" + round).resolve("spool");
            assertEquals(0, count(spool.resolve("tmp")), "tmp/ left empty");
            for (int r = 0; r < 3; r++) assertEquals(400, count(spool.resolve(Integer.toString(r)).resolve("new")));
        }
    }

    @Test
    void aSmallRoundStillGivesEachProcessItsMinimum(@TempDir Path dir) throws Exception {
        MaildirFloor floor = new MaildirFloor(dir, MaildirFloor.build(dir), 2, 1, 5);
        assertEquals(2 * MaildirFloor.MIN_PER_PROCESS, floor.round().ops());
    }

    private static long count(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }
}
