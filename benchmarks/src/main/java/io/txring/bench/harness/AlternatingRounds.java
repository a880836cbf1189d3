package io.txring.bench.harness;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs every variant of a workload in alternation — warm-up rounds first, then measured
 * rounds A B C … A B C … — so that drift of the machine (page cache, disk, a neighbour's
 * load) touches every variant alike. Ratios against the NIO baseline are taken pair by
 * pair within each round, then summarised: a noisy round moves both sides of its ratio.
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

    public WorkloadResult run(Workload w, List<Variant> variants, WorkloadResult.Machine machine) throws Exception {
        List<VariantRun> runs = new ArrayList<>();
        try {
            for (Variant v : variants) runs.add(v.opener().open());
            int n = variants.size();
            RoundSample[][] samples = new RoundSample[n][rounds];
            progress.start(w.name(), (warmups + rounds) * n);
            // perf's extra round per variant comes after the measured ones: its tracing slows the round it watches
            for (int r = 0; r < warmups + rounds; r++) {
                for (int i = 0; i < n; i++) {
                    RoundSample s = runs.get(i).round();
                    if (r >= warmups) samples[i][r - warmups] = s;
                    progress.step(variants.get(i).name(), r < warmups ? "warm-up" : "round " + (r - warmups + 1), s);
                }
            }
            double[] syscalls = new double[n];
            for (int i = 0; i < n; i++) syscalls[i] = countSyscalls(variants.get(i), runs.get(i));
            progress.finish();
            return summarise(w, variants, samples, syscalls, machine);
        } finally {
            for (VariantRun r : runs) r.close();
        }
    }

    /** One more, untimed round under perf; NaN where perf is missing or the work runs in another process (fio). */
    private static double countSyscalls(Variant v, VariantRun run) throws Exception {
        if (v.kind() == Variant.Kind.CEILING || !SyscallCounter.available()) return Double.NaN;
        SyscallCounter counter = SyscallCounter.start();
        if (counter == null) return Double.NaN;
        RoundSample s = run.round();
        long n = counter.stop();
        return n < 0 ? Double.NaN : (double) n / s.ops();
    }

    private WorkloadResult summarise(Workload w, List<Variant> variants, RoundSample[][] samples, double[] syscalls,
                                     WorkloadResult.Machine machine) {
        List<WorkloadResult.VariantResult> results = new ArrayList<>();
        int nio = -1, fio = -1;
        for (int i = 0; i < variants.size(); i++) {
            if (variants.get(i).kind() == Variant.Kind.NIO && nio < 0) nio = i;
            if (variants.get(i).kind() == Variant.Kind.CEILING && fio < 0) fio = i;
            long ops = 0, traps = 0, cpu = 0;
            boolean trapsKnown = true;
            double[] perRound = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                RoundSample s = samples[i][r];
                perRound[r] = s.opsPerSecond();
                ops += s.ops();
                traps += s.traps();
                trapsKnown &= s.traps() >= 0;
                cpu += s.cpuNanos();
            }
            results.add(new WorkloadResult.VariantResult(variants.get(i).name(), Spread.of(perRound),
                    trapsKnown ? (double) traps / ops : null, Double.isNaN(syscalls[i]) ? null : syscalls[i], cpu / 1e3 / ops, perRound));
        }
        return new WorkloadResult(w.name(), w.unit(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), machine, rounds,
                results, nio < 0 ? Map.of() : ratios(variants, samples, nio, Variant.Kind.NIO),
                fio < 0 ? null : ratios(variants, samples, fio, Variant.Kind.CEILING));
    }

    /** Each variant (but the reference and others of its kind) over the reference, round by round. */
    private Map<String, Spread> ratios(List<Variant> variants, RoundSample[][] samples, int ref, Variant.Kind refKind) {
        Map<String, Spread> out = new LinkedHashMap<>();
        for (int i = 0; i < variants.size(); i++) {
            Variant.Kind k = variants.get(i).kind();
            if (i == ref || k == refKind || (refKind == Variant.Kind.CEILING && k != Variant.Kind.TXRING)) continue;
            double[] q = new double[rounds];
            for (int r = 0; r < rounds; r++) q[r] = samples[i][r].opsPerSecond() / samples[ref][r].opsPerSecond();
            out.put(variants.get(i).name(), Spread.of(q));
        }
        return out;
    }
}
