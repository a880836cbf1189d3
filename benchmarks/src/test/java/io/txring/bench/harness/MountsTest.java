package io.txring.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which mount holds a path, and what the filesystem matrix reads from /proc about it. Nothing is mounted or timed. */
class MountsTest {
    private static final List<Mounts.Mount> MOUNTS = Mounts.parse(List.of(
            "/dev/vda / ext4 rw,relatime,discard 0 0",
            "tmpfs /tmp/x tmpfs rw 0 0",
            "/dev/loop0 /tmp/txring-fs-12-xfs xfs rw,relatime,attr2,inode64 0 0",
            "/dev/loop1 /tmp/with\\040space btrfs rw,relatime,space_cache=v2 0 0",
            "/dev/loop2 /tmp/x ext4 rw,relatime 0 0"));

    @Test
    void theLongestMountPointHoldingThePathWins() {
        assertEquals("/dev/loop0", Mounts.holding("/tmp/txring-fs-12-xfs/txring-bench-replace-1/a", MOUNTS).orElseThrow().source());
        assertEquals("/", Mounts.holding("/tmp/txring-fs-12-xfsy", MOUNTS).orElseThrow().point()); // a prefix of the name is not a parent
        assertEquals("xfs", Mounts.holding("/tmp/txring-fs-12-xfs", MOUNTS).orElseThrow().type());
    }

    @Test
    void aLaterMountOnTheSameDirectoryHidesTheEarlier() {
        assertEquals("ext4", Mounts.holding("/tmp/x/y", MOUNTS).orElseThrow().type());
    }

    @Test
    void octalEscapesAreDecoded() {
        assertEquals("/tmp/with space", MOUNTS.get(3).point());
        assertEquals("btrfs", Mounts.holding("/tmp/with space/d", MOUNTS).orElseThrow().type());
        assertEquals("a\\b", Mounts.unescape("a\\134b"));
        assertEquals("a\\9", Mounts.unescape("a\\9")); // not three octal digits: kept as written
    }

    @Test
    void theTemporaryDirectorysFilesystemIsDescribed() throws Exception {
        WorkloadResult.Machine m = MachineInfo.of(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")));
        assertFalse(m.fs().equals("unknown"), m.toString());
        assertTrue(m.mountOptions() != null && !m.mountOptions().isEmpty(), m.toString());
        assertEquals(m.fs().equals("ext4") && m.device() != null, m.journal() != null, m.toString()); // journal: ext4's alone
    }

    @Test
    void ext4HasAJournalWhenJbd2ListsItsDevice() {
        assertTrue(MachineInfo.ext4Journal("loop0", List.of("loop0-8")));
        assertFalse(MachineInfo.ext4Journal("loop1", List.of("loop10-8"))); // loop10 is another device
        assertFalse(MachineInfo.ext4Journal("vda", List.of()));
    }

    @Test
    void ext4DataModeIsReadFromItsOptions() {
        assertEquals("ordered", MachineInfo.ext4DataMode("rw\nbsddf\ndelalloc\nbarrier\ndata=ordered\ninode_readahead_blks=32\n"));
        assertNull(MachineInfo.ext4DataMode("rw\nbarrier\n"));
        assertNull(MachineInfo.ext4DataMode(null));
    }
}
