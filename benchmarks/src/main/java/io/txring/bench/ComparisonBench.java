package io.txring.bench;

import io.txring.bench.harness.AlternatingRounds;
import io.txring.bench.harness.BlockDeviceFlushes;
import io.txring.bench.harness.MachineInfo;
import io.txring.bench.harness.Progress;
import io.txring.bench.harness.ResultReport;
import io.txring.bench.harness.Workload;
import io.txring.bench.harness.WorkloadResult;
import io.txring.bench.workloads.Workloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./txring bench [workload…]}: every variant of each workload in alternation, in one
 * run; writes {@code <results>/<workload>.json} and {@code .png} and prints a table.
 * A workload argument selects by name or prefix ({@code burst} runs every {@code burst-*}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "txring vs Java NIO (and fio where installed), alternating rounds in one run; JSON, charts and a table.")
public final class ComparisonBench implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "WORKLOAD", description = "workloads or prefixes (default: all): ${COMPLETION-CANDIDATES}",
            completionCandidates = Workloads.Names.class)
    List<String> selected = new ArrayList<>();

    @Option(names = "--rounds", description = "measured rounds per variant (default ${DEFAULT-VALUE})")
    int rounds = 5;

    @Option(names = "--warmups", description = "warm-up rounds per variant, not counted (default ${DEFAULT-VALUE})")
    int warmups = 1;

    @Option(names = "--results", description = "where the JSON and charts go (default ${DEFAULT-VALUE})")
    Path results = Path.of("benchmarks/results");

    @Option(names = "--scratch", description = "where the workloads' files live (default: java.io.tmpdir)")
    Path scratchParent = Path.of(System.getProperty("java.io.tmpdir"));

    @Option(names = "--lmtp-messages", description = "messages smtp-source sends per round in the mail-lmtp-* workloads (default ${DEFAULT-VALUE})")
    int lmtpMessages = Workloads.LMTP_MESSAGES;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ComparisonBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (lmtpMessages < 1) {
            System.err.println("bench: --lmtp-messages must be ≥ 1");
            return 64;
        }
        List<Workload> chosen = Workloads.select(selected, lmtpMessages);
        if (chosen.isEmpty()) {
            System.err.println("bench: no workload matches " + selected + "; known: " + Workloads.names());
            return 64;
        }
        long start = System.nanoTime();
        StringBuilder summary = new StringBuilder();
        System.out.printf("bench: %s; load average %s%n", chosen.stream().map(Workload::name).toList(),
                Files.readString(Path.of("/proc/loadavg")).strip()); // a busy machine skews every variant: say so
        AlternatingRounds runner = new AlternatingRounds(warmups, rounds, new Progress(System.out));
        List<String> failed = new ArrayList<>();
        for (Workload w : chosen) {
            String missing = w.unavailable();
            if (missing != null) { // a tool this machine lacks skips one workload, loudly, never the others
                System.out.println("\nbench: SKIPPED " + w.name() + ": " + missing);
                summary.append(String.format("### %s — skipped%n%n%s%n%n", w.name(), missing));
                continue;
            }
            Path scratch = Files.createTempDirectory(scratchParent, "txring-bench-" + w.name() + "-");
            try {
                WorkloadResult r = runner.run(w, w.variants(scratch), MachineInfo.of(scratch), BlockDeviceFlushes.of(scratch));
                ResultReport.printTable(r, System.out);
                summary.append(ResultReport.markdown(r));
                Path json = ResultReport.writeJson(r, results);
                Path png = ResultReport.writeChart(r, results);
                System.out.println("  → " + json + ", " + png);
            } catch (Exception e) { // one broken workload must not cost the others' results
                failed.add(w.name());
                System.out.println("\nbench: FAILED " + w.name() + ":");
                e.printStackTrace(System.out);
                summary.append(String.format("### %s — failed%n%n%s%n%n", w.name(), e));
            } finally {
                ScratchDir.delete(scratch);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        summary.append(String.format("%d workload(s) in %.0f s; load average at the end: %s%n", chosen.size(), seconds,
                Files.readString(Path.of("/proc/loadavg")).strip()));
        Files.writeString(Files.createDirectories(results).resolve("SUMMARY.md"), summary.toString());
        System.out.printf("%nbench: %d workload(s) in %.1f s; tables in Markdown: %s%n", chosen.size(), seconds, results.resolve("SUMMARY.md"));
        if (!failed.isEmpty()) System.out.println("bench: failed: " + failed);
        return failed.isEmpty() ? 0 : 1;
    }
}
