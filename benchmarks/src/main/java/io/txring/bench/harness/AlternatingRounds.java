package io.txring.bench.harness;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * Runs every variant of a workload in alternation — warm-up rounds first, then measured
 * rounds A B C … A B C … — so that drift of the machine (page cache, disk, a neighbour's
 * load) touches every variant alike. Ratios against the NIO baseline and the outside ceiling
 * are taken pair by pair within each round, then summarised: a noisy round moves both sides
 * of its ratio.
 */
public final class AlternatingRounds {
    private final int warmups;
    private final int rounds;
    private final Progress progress;

    public AlternatingRounds(int warmups, int rounds, Progress progress) {
        if (rounds < 1 || warmups < 0) throw new IllegalArgumentException("rounds ≥ 1, warm-ups ≥ 0");
        this.warmups = warmups;
        this.rounds = rounds;
        this.progress = progress;
    }

    /** {@code flushes}: the scratch directory's block device, counted around each round of a durable workload. */
    public WorkloadResult run(Workload w, List<Variant> variants, WorkloadResult.Machine machine,
                              Optional<BlockDeviceFlushes> flushes) throws Exception {
        Optional<BlockDeviceFlushes> counted = w.durable() ? flushes : Optional.empty();
        List<VariantRun> runs = new ArrayList<>();
        try {
            for (Variant v : variants) runs.add(v.opener().open());
            int n = variants.size();
            RoundSample[][] samples = new RoundSample[n][rounds];
            progress.start(w.name(), (warmups + rounds) * n);
            // perf's extra round per variant comes after the measured ones: its tracing slows the round it watches
            for (int r = 0; r < warmups + rounds; r++) {
                for (int i = 0; i < n; i++) {
                    RoundSample s = round(runs.get(i), counted);
                    if (r >= warmups) samples[i][r - warmups] = s;
                    progress.step(variants.get(i).name(), r < warmups ? "warm-up" : "round " + (r - warmups + 1), s);
                }
            }
            double[] syscalls = new double[n];
            for (int i = 0; i < n; i++) syscalls[i] = countSyscalls(runs.get(i));
            progress.finish();
            return summarise(w, variants, samples, syscalls, machine);
        } finally {
            for (VariantRun r : runs) r.close();
        }
    }

    private static RoundSample round(VariantRun run, Optional<BlockDeviceFlushes> flushes) throws Exception {
        if (flushes.isEmpty()) return run.round();
        long before = flushes.get().completed();
        RoundSample s = run.round();
        long after = flushes.get().completed();
        return s.withFlushes(before < 0 || after < 0 ? -1 : after - before);
    }

    /** One more, untimed round under perf; NaN where perf is missing or the work has no lasting process (fio: one per round). */
    private static double countSyscalls(VariantRun run) throws Exception {
        if (run.pid() < 0 || !SyscallCounter.available()) return Double.NaN;
        SyscallCounter counter = SyscallCounter.start(run.pid());
        if (counter == null) return Double.NaN;
        RoundSample s = run.round();
        long n = counter.stop();
        return n < 0 ? Double.NaN : (double) n / s.ops();
    }

    private WorkloadResult summarise(Workload w, List<Variant> variants, RoundSample[][] samples, double[] syscalls,
                                     WorkloadResult.Machine machine) {
        List<WorkloadResult.VariantResult> results = new ArrayList<>();
        int nio = -1, ceiling = -1;
        for (int i = 0; i < variants.size(); i++) {
            if (variants.get(i).kind() == Variant.Kind.NIO && nio < 0) nio = i;
            if (variants.get(i).kind() == Variant.Kind.CEILING && ceiling < 0) ceiling = i;
            RoundSample[] s = samples[i];
            double[] perRound = new double[rounds];
            long ops = 0, cpu = 0;
            for (int r = 0; r < rounds; r++) {
                perRound[r] = s[r].opsPerSecond();
                ops += s[r].ops();
                cpu += s[r].cpuNanos();
            }
            results.add(new WorkloadResult.VariantResult(variants.get(i).name(), Spread.of(perRound),
                    perOp(s, ops, RoundSample::traps, 1), Double.isNaN(syscalls[i]) ? null : syscalls[i], cpu / 1e3 / ops,
                    perOp(s, ops, RoundSample::userNanos, 1e3), perOp(s, ops, RoundSample::sysNanos, 1e3),
                    perOp(s, ops, RoundSample::contextSwitches, 1), perOp(s, ops, RoundSample::flushes, 1), perRound));
        }
        return new WorkloadResult(w.name(), w.unit(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), machine, rounds,
                results, nio < 0 ? Map.of() : ratios(variants, samples, nio),
                ceiling < 0 ? null : variants.get(ceiling).name(), ceiling < 0 ? null : ratios(variants, samples, ceiling));
    }

    /** A counter summed over the rounds, over their ops (divided by {@code unit}); null if any round could not count it. */
    private static Double perOp(RoundSample[] s, long ops, ToLongFunction<RoundSample> counter, double unit) {
        long sum = 0;
        for (RoundSample r : s) {
            long v = counter.applyAsLong(r);
            if (v < 0) return null;
            sum += v;
        }
        return sum / unit / ops;
    }

    /** Each variant (but the reference and others of its kind) over the reference, round by round. */
    private Map<String, Spread> ratios(List<Variant> variants, RoundSample[][] samples, int ref) {
        Map<String, Spread> out = new LinkedHashMap<>();
        for (int i = 0; i < variants.size(); i++) {
            if (i == ref || variants.get(i).kind() == variants.get(ref).kind()) continue;
            double[] q = new double[rounds];
            for (int r = 0; r < rounds; r++) q[r] = samples[i][r].opsPerSecond() / samples[ref][r].opsPerSecond();
            out.put(variants.get(i).name(), Spread.of(q));
        }
        return out;
    }
}
