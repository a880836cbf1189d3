package io.txring.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Cache flushes completed by the block device that holds a directory: the 16th value (index
 * 15, "flush I/Os") of {@code /sys/block/<dev>/stat}, as Documentation/block/stat.rst lays the
 * file out (kernels ≥ 5.5). Every fsync or fdatasync that reaches the disk on a filesystem
 * mounted with barriers is one (or, merged by the block layer, part of one), so the delta over a
 * round is the durability cost the disk saw. The counter is the device's, not the process's:
 * anything else writing durably to the same disk during a round is counted too.
 */
public final class BlockDeviceFlushes {
    /** Index of "flush I/Os" among the stat file's whitespace-separated values. */
    private static final int FLUSH_IOS = 15;

    private final String device;
    private final Path stat;

    private BlockDeviceFlushes(String device, Path stat) {
        this.device = device;
        this.stat = stat;
    }

    /**
     * The device under {@code dir}: its {@code st_dev} names a block device in
     * {@code /sys/dev/block/MAJ:MIN} (a disk, a partition or a loop device — for a loop-mounted
     * image {@code /sys/block/loopN/stat}); a partition is counted on its whole disk, which holds
     * the flush counters. btrfs gives its files an anonymous {@code st_dev}: there the mount's
     * source ({@code /dev/loop0}, the first device of a multi-device btrfs) names the device.
     * Empty where the filesystem has no block device of its own (tmpfs, overlay) or the kernel
     * has no flush counters.
     */
    public static Optional<BlockDeviceFlushes> of(Path dir) {
        try {
            Optional<Path> sys = filesystemDevice(dir);
            if (sys.isEmpty()) return Optional.empty();
            Path real = sys.get();
            if (Files.exists(real.resolve("partition"))) real = real.getParent();
            BlockDeviceFlushes f = new BlockDeviceFlushes(real.getFileName().toString(), real.resolve("stat"));
            return f.completed() < 0 ? Optional.empty() : Optional.of(f);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The sysfs directory of the block device the filesystem under {@code dir} was mounted from,
     * partition not folded into its disk ({@code /sys/devices/.../vda/vda1}): its name is the one
     * {@code /proc/fs/ext4} and {@code /proc/fs/jbd2} use.
     */
    public static Optional<Path> filesystemDevice(Path dir) throws IOException {
        long dev = (Long) Files.getAttribute(dir, "unix:dev");
        Path sys = Path.of("/sys/dev/block/" + major(dev) + ":" + minor(dev));
        if (Files.isDirectory(sys)) return Optional.of(sys.toRealPath());
        Optional<Mounts.Mount> m = Mounts.holding(dir); // btrfs: st_dev is 0:N, not the device
        if (m.isEmpty() || !m.get().source().startsWith("/dev/") || !Files.exists(Path.of(m.get().source()))) return Optional.empty();
        Path node = Path.of(m.get().source()).toRealPath(); // /dev/mapper/x → /dev/dm-0, the name sysfs uses
        Path byName = Path.of("/sys/class/block", node.getFileName().toString());
        return Files.isDirectory(byName) ? Optional.of(byName.toRealPath()) : Optional.empty();
    }

    /** glibc's encoding of dev_t (gnu_dev_major / gnu_dev_minor). */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }

    /** The block device's name under /sys/block, e.g. {@code vda} or {@code loop3}. */
    public String device() {
        return device;
    }

    /** Flushes completed since boot, or -1 if the stat file has no flush counter. */
    public long completed() {
        try {
            String[] v = Files.readString(stat).strip().split("\\s+");
            return v.length > FLUSH_IOS ? Long.parseLong(v[FLUSH_IOS]) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
