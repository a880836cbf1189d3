package io.txring.bench.harness;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What {@code benchmarks/results/<workload>.json} holds (field names become snake_case:
 * {@code ops_per_s}, {@code traps_per_op}, {@code cpu_us_per_op}, {@code ratios_vs_nio}).
 * {@code ceiling} names the outside ceiling that ran (fio, smtp-sink, maildir-floor-c; the first of a workload's) and
 * {@code ratiosVsCeiling} holds every other variant over it; both are absent where none ran.
 * A per-op figure a variant cannot measure is absent: {@code traps_per_op} outside this process
 * (fio, the LMTP servers, maildir-floor-c), {@code syscalls_per_op} without perf or for fio,
 * {@code cpu_user_us_per_op}/{@code cpu_sys_us_per_op}/{@code context_switches_per_op} where the
 * work runs in this process, {@code flushes_per_op} for workloads that do not sync and where the
 * scratch directory has no block device. {@code rounds} holds every measured round's ops/s per
 * variant, in run order, so a reader can redo the stats.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkloadResult(String workload, String unit, String date, Machine machine, int rounds,
                             List<VariantResult> variants, Map<String, Spread> ratiosVsNio,
                             String ceiling, @JsonAlias("ratios_vs_fio") Map<String, Spread> ratiosVsCeiling) {

    /**
     * {@code fs}: the scratch directory's filesystem type; {@code mountOptions} as /proc/self/mounts
     * shows them; {@code journal} and {@code dataMode} (ext4 only): whether jbd2 runs for it and its
     * {@code data=} mode; {@code device}: the block device whose flushes are counted (absent where
     * none is); {@code backingFile}/{@code backingDevice} (a loop device only): the image file and the
     * disk under it, whose own flushes the loop device's flushes become.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Machine(int cpus, String kernel, String fs, String device, String mountOptions, Boolean journal,
                          String dataMode, String backingFile, String backingDevice) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VariantResult(String name, Spread opsPerS, Double trapsPerOp, Double syscallsPerOp, double cpuUsPerOp,
                                Double cpuUserUsPerOp, Double cpuSysUsPerOp, Double contextSwitchesPerOp, Double flushesPerOp,
                                double[] rounds) {}
}
