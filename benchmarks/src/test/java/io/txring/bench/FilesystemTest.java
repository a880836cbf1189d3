package io.txring.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The --filesystems list and the names of what the matrix leaves on disk. Nothing is made or mounted here. */
class FilesystemTest {
    @Test
    void namesAreReadInOrderOnceEach() {
        assertEquals(List.of(Filesystem.EXT4, Filesystem.XFS), Filesystem.parse(List.of("ext4", " XFS", "ext4", "")));
        assertEquals(List.of(Filesystem.ROOT, Filesystem.EXT4, Filesystem.XFS, Filesystem.BTRFS), Filesystem.parse(List.of("all")));
        assertEquals(List.of(Filesystem.BTRFS, Filesystem.ROOT, Filesystem.EXT4, Filesystem.XFS), Filesystem.parse(List.of("btrfs", "all")));
    }

    @Test
    void anUnknownNameIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Filesystem.parse(List.of("ext4", "zfs")));
        assertTrue(e.getMessage().contains("zfs"), e.getMessage());
    }

    @Test
    void withoutRootOnlyTheScratchDirectoryItselfIsAvailable() throws Exception {
        assertNull(Filesystem.ROOT.unavailable(false));
        assertTrue(Filesystem.XFS.unavailable(false).contains("root"));
    }

    @Test
    void aToolThatIsNowhereIsMissing() {
        assertNull(Filesystem.tool("txring-no-such-mkfs"));
    }

    @Test
    void onlyLeftoversOfAProcessThatIsGoneAreStale() {
        long me = ProcessHandle.current().pid();
        assertFalse(LoopMount.stale("txring-fs-" + me + "-xfs")); // this run's own
        assertFalse(LoopMount.stale("txring-fs-1-ext4.img")); // pid 1 is alive
        assertFalse(LoopMount.stale("txring-bench-replace-123")); // a workload's scratch directory, not an image
        assertTrue(LoopMount.stale("txring-fs-" + Integer.MAX_VALUE + "-btrfs.img")); // above pid_max: no such process
        assertTrue(LoopMount.stale("txring-fs-" + Integer.MAX_VALUE + "-btrfs"));
    }
}
