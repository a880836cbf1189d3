package io.txring.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The facts a result needs to be compared with another: CPUs, kernel, filesystem and block device of the scratch directory. */
public final class MachineInfo {
    private MachineInfo() {}

    public static WorkloadResult.Machine of(Path scratch) throws IOException {
        String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        return new WorkloadResult.Machine(Runtime.getRuntime().availableProcessors(), kernel, fsType(scratch),
                BlockDeviceFlushes.of(scratch).map(BlockDeviceFlushes::device).orElse(null));
    }

    /** The mount's filesystem type as {@code /proc/self/mounts} names it (ext4, xfs, tmpfs…): the longest mount point that holds {@code p}. */
    static String fsType(Path p) throws IOException {
        String real = p.toRealPath().toString();
        String best = "", type = "unknown";
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length < 3) continue;
            String mnt = f[1].replace("\\040", " ");
            boolean holds = real.equals(mnt) || real.startsWith(mnt.endsWith("/") ? mnt : mnt + "/");
            if (holds && mnt.length() >= best.length()) {
                best = mnt;
                type = f[2];
            }
        }
        return type;
    }
}
