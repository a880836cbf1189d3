package io.txring.bench.harness;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What {@code benchmarks/results/<workload>.json} holds (field names become snake_case:
 * {@code ops_per_s}, {@code traps_per_op}, {@code cpu_us_per_op}, {@code ratios_vs_nio}).
 * {@code ratiosVsFio} is present only where fio ran as the ceiling; {@code rounds} holds
 * {@code traps_per_op} is absent where it cannot be counted (fio); {@code syscalls_per_op}
 * (any syscall, by perf, in an extra untimed round) where perf is missing or the work is another process's. {@code rounds} holds
 * every measured round's ops/s per variant, in run order, so a reader can redo the stats.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkloadResult(String workload, String unit, String date, Machine machine, int rounds,
                             List<VariantResult> variants, Map<String, Spread> ratiosVsNio,
                             Map<String, Spread> ratiosVsFio) {

    public record Machine(int cpus, String kernel, String fs) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VariantResult(String name, Spread opsPerS, Double trapsPerOp, Double syscallsPerOp, double cpuUsPerOp, double[] rounds) {}
}
