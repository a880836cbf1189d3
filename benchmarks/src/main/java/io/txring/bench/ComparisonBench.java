package io.txring.bench;

import io.txring.bench.harness.AlternatingRounds;
import io.txring.bench.harness.BlockDeviceFlushes;
import io.txring.bench.harness.MachineInfo;
import io.txring.bench.harness.MatrixReport;
import io.txring.bench.harness.Progress;
import io.txring.bench.harness.ResultReport;
import io.txring.bench.harness.Workload;
import io.txring.bench.harness.WorkloadResult;
import io.txring.bench.workloads.Workloads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./txring bench [workload…]}: every variant of each workload in alternation, in one
 * run; writes {@code <results>/<workload>.json} and {@code .png} and prints a table.
 * A workload argument selects by name or prefix ({@code burst} runs every {@code burst-*}).
 * With {@code --filesystems}, the durable ones run once per filesystem (loop-mounted images
 * made for the run) and write into {@code <results>/<fs>/}, plus {@code <results>/FILESYSTEMS.md}.
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

    @Option(names = "--filesystems", split = ",", paramLabel = "FS",
            description = "run the durable workloads once per filesystem: root (the --scratch directory's own), ext4, xfs, btrfs "
                    + "(fresh loop-mounted images in --scratch, as root), or all; results in <results>/<fs>/")
    List<String> filesystems = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new ComparisonBench()).execute(args));
    }

    /**
     * Workload directories on the --scratch filesystem, removed when the bench ends, not between
     * workloads: ext4 without a journal skips every inode freed in the last 60–300 s when it
     * allocates one (ialloc.c's {@code recently_deleted}), so a workload started just after another's
     * files were deleted pays a scan per create that has nothing to do with it.
     */
    private final List<Path> spent = new ArrayList<>();

    /** What a batch of workloads on one directory left: its tables in Markdown, the results and the names that failed. */
    private record Batch(StringBuilder summary, List<WorkloadResult> results, List<String> failed) {}

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
        try {
            return filesystems.isEmpty() ? plain(chosen) : matrix(chosen);
        } finally {
            for (Path p : spent) if (Files.exists(p)) ScratchDir.delete(p); // a loop mount's went with its image
        }
    }

    private int plain(List<Workload> chosen) throws IOException {
        long start = System.nanoTime();
        System.out.printf("bench: %s; load average %s%n", chosen.stream().map(Workload::name).toList(), loadAverage());
        Batch b = runAll(chosen, scratchParent, results, new StringBuilder());
        double seconds = (System.nanoTime() - start) / 1e9;
        b.summary().append(String.format("%d workload(s) in %.0f s; load average at the end: %s%n", chosen.size(), seconds, loadAverage()));
        Files.writeString(Files.createDirectories(results).resolve("SUMMARY.md"), b.summary().toString());
        System.out.printf("%nbench: %d workload(s) in %.1f s; tables in Markdown: %s%n", chosen.size(), seconds, results.resolve("SUMMARY.md"));
        if (!b.failed().isEmpty()) System.out.println("bench: failed: " + b.failed());
        return b.failed().isEmpty() ? 0 : 1;
    }

    /** {@code --filesystems}: the durable workloads of the selection on each filesystem in turn, results in {@code <results>/<fs>/}. */
    private int matrix(List<Workload> chosen) throws Exception {
        List<Filesystem> fss;
        try {
            fss = Filesystem.parse(filesystems);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            return 64;
        }
        List<Workload> durable = chosen.stream().filter(Workload::durable).toList();
        List<String> notDurable = chosen.stream().filter(w -> !w.durable()).map(Workload::name).toList();
        if (durable.isEmpty() || fss.isEmpty()) {
            System.err.println("bench: --filesystems runs the durable workloads (replace, txn3, mail-*); none is selected, or no filesystem is named");
            return 64;
        }
        if (!notDurable.isEmpty() && !selected.isEmpty()) { // named ones only: with no name, leaving them out is what was asked
            System.out.println("bench: not on the filesystem matrix (they do not sync; run them without --filesystems): " + notDurable);
        }
        long start = System.nanoTime();
        System.out.printf("bench: %s on %s; load average %s%n", durable.stream().map(Workload::name).toList(),
                fss.stream().map(Filesystem::label).toList(), loadAverage());
        LoopMount.sweepStale(scratchParent);
        boolean root = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0; // its owner is this process's uid
        Map<String, List<WorkloadResult>> byFs = new LinkedHashMap<>();
        Map<String, String> notRun = new LinkedHashMap<>();
        List<String> failed = new ArrayList<>();
        for (Filesystem fs : fss) {
            System.out.println("\n=== filesystem " + fs.label() + " ===");
            String missing = fs.unavailable(root);
            if (missing != null) { // one filesystem this machine cannot make is skipped, loudly, never the others
                System.out.println("bench: SKIPPED filesystem " + fs.label() + ": " + missing);
                notRun.put(fs.label(), "skipped: " + missing);
                continue;
            }
            Path dir = results.resolve(fs.label());
            Batch b;
            if (fs == Filesystem.ROOT) {
                System.out.println("bench: root: the --scratch directory " + scratchParent.toRealPath() + " itself");
                b = runAll(durable, scratchParent, dir, new StringBuilder("Filesystem: the --scratch directory "
                        + scratchParent.toRealPath() + " itself.\n\n"));
            } else {
                LoopMount m;
                try {
                    m = LoopMount.create(fs, scratchParent);
                } catch (IOException e) {
                    System.out.println("bench: FAILED filesystem " + fs.label() + ": " + e.getMessage());
                    notRun.put(fs.label(), "failed: " + e.getMessage());
                    failed.add(fs.label());
                    continue;
                }
                try (m) {
                    System.out.println("bench: " + m.describe());
                    b = runAll(durable, m.dir(), dir, new StringBuilder("Filesystem: " + m.describe() + ".\n\n"));
                }
            }
            b.summary().append(String.format("%d workload(s); load average at the end: %s%n", durable.size(), loadAverage()));
            Files.writeString(Files.createDirectories(dir).resolve("SUMMARY.md"), b.summary().toString());
            System.out.println("bench: " + fs.label() + ": tables in Markdown: " + dir.resolve("SUMMARY.md"));
            byFs.put(fs.label(), b.results());
            b.failed().forEach(w -> failed.add(fs.label() + "/" + w));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String table = MatrixReport.markdown(byFs, notRun)
                + String.format("%d workload(s) on %d filesystem(s) in %.0f s; load average at the end: %s%n", durable.size(), fss.size(),
                        seconds, loadAverage());
        Path file = Files.createDirectories(results).resolve("FILESYSTEMS.md");
        Files.writeString(file, table);
        System.out.printf("%n%s%nbench: %.1f s; side by side in Markdown: %s%n", table, seconds, file);
        if (!failed.isEmpty()) System.out.println("bench: failed: " + failed);
        return failed.isEmpty() ? 0 : 1;
    }

    /** Each workload in its own fresh directory under {@code scratchParent}; JSON and charts into {@code resultsDir}. */
    private Batch runAll(List<Workload> chosen, Path scratchParent, Path resultsDir, StringBuilder summary) throws IOException {
        Batch b = new Batch(summary, new ArrayList<>(), new ArrayList<>());
        AlternatingRounds runner = new AlternatingRounds(warmups, rounds, new Progress(System.out));
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
                b.results().add(r);
                Path json = ResultReport.writeJson(r, resultsDir);
                Path png = ResultReport.writeChart(r, resultsDir);
                System.out.println("  → " + json + ", " + png);
            } catch (Exception e) { // one broken workload must not cost the others' results
                b.failed().add(w.name());
                System.out.println("\nbench: FAILED " + w.name() + ":");
                e.printStackTrace(System.out);
                summary.append(String.format("### %s — failed%n%n%s%n%n", w.name(), e));
            } finally {
                spent.add(scratch);
            }
        }
        return b;
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).strip(); // a busy machine skews every variant: say so
    }
}
