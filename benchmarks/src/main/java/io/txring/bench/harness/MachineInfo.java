package io.txring.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The facts a result needs to be compared with another: CPUs, kernel, and the scratch directory's
 * filesystem (type, mount options, ext4's journal and data mode) and block device (for a loop
 * device, the image file and the disk under it).
 */
public final class MachineInfo {
    private MachineInfo() {}

    public static WorkloadResult.Machine of(Path scratch) throws IOException {
        String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        Optional<Mounts.Mount> mount = Mounts.holding(scratch);
        String fs = mount.map(Mounts.Mount::type).orElse("unknown");
        Optional<String> fsDevice = BlockDeviceFlushes.filesystemDevice(scratch).map(p -> p.getFileName().toString());
        Boolean journal = null;
        String dataMode = null;
        if (fs.equals("ext4") && fsDevice.isPresent()) {
            journal = ext4Journal(fsDevice.get(), list(Path.of("/proc/fs/jbd2")));
            dataMode = ext4DataMode(read(Path.of("/proc/fs/ext4", fsDevice.get(), "options")));
        }
        Optional<BlockDeviceFlushes> flushes = BlockDeviceFlushes.of(scratch);
        String device = flushes.map(BlockDeviceFlushes::device).orElse(null);
        String backingFile = device == null ? null : read(Path.of("/sys/block", device, "loop", "backing_file"));
        String backingDevice = backingFile == null ? null : BlockDeviceFlushes.of(Path.of(backingFile).getParent())
                .map(BlockDeviceFlushes::device).orElse(null);
        return new WorkloadResult.Machine(Runtime.getRuntime().availableProcessors(), kernel, fs, device,
                mount.map(Mounts.Mount::options).orElse(null), journal, dataMode, backingFile, backingDevice);
    }

    /** jbd2 names its entry {@code <device>-<journal inode>} ({@code loop0-8}); an ext4 without a journal has none. */
    static boolean ext4Journal(String device, List<String> jbd2Entries) {
        return jbd2Entries.stream().anyMatch(e -> e.startsWith(device + "-"));
    }

    /** The {@code data=} token of /proc/fs/ext4/<dev>/options (one option a line: every option, defaults too), or null. */
    static String ext4DataMode(String options) {
        if (options == null) return null;
        return Arrays.stream(options.split("\\s+")).filter(o -> o.startsWith("data=")).map(o -> o.substring(5)).findFirst().orElse(null);
    }

    private static List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of(); // no jbd2 loaded: no journal anywhere
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f).strip();
        } catch (IOException e) {
            return null;
        }
    }
}
