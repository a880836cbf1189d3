package io.txring.bench.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.statistics.DefaultBoxAndWhiskerCategoryDataset;

/** Writes a workload's result three ways: JSON, a chart (PNG) and a table on the console. */
public final class ResultReport {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ResultReport() {}

    public static Path writeJson(WorkloadResult r, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve(r.workload() + ".json");
        JSON.writeValue(f.toFile(), r);
        return f;
    }

    public static WorkloadResult readJson(Path f) throws IOException {
        return JSON.readValue(f.toFile(), WorkloadResult.class);
    }

    /** A box per variant over its measured rounds: median, quartiles, min and max at a glance. */
    public static Path writeChart(WorkloadResult r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        DefaultBoxAndWhiskerCategoryDataset data = new DefaultBoxAndWhiskerCategoryDataset();
        for (WorkloadResult.VariantResult v : r.variants()) {
            data.add(Arrays.stream(v.rounds()).boxed().toList(), "ops/s", v.name());
        }
        JFreeChart chart = ChartFactory.createBoxAndWhiskerChart(r.workload() + " — " + r.unit() + " per second",
                "variant", r.unit() + " / s", data, false);
        chart.addSubtitle(new TextTitle(r.rounds() + " alternating rounds, " + r.date() + "; " + r.machine().cpus() + " CPUs, "
                + r.machine().fs() + ", Linux " + r.machine().kernel() + "; box = quartiles, whiskers = min–max"));
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        BoxAndWhiskerRenderer renderer = (BoxAndWhiskerRenderer) plot.getRenderer();
        renderer.setMeanVisible(false); // the median line is what the tables report
        renderer.setMaximumBarWidth(0.12);
        Path f = dir.resolve(r.workload() + ".png");
        ChartUtils.saveChartAsPNG(f.toFile(), chart, 1100, 520);
        return f;
    }

    /** A per-op column after the throughput ones; shown only where some variant has a value. */
    private record Column(String title, String format, Function<WorkloadResult.VariantResult, Double> value) {}

    private static final List<Column> PER_OP = List.of(
            new Column("traps/op", "%.4f", WorkloadResult.VariantResult::trapsPerOp),
            new Column("syscalls/op", "%.3f", WorkloadResult.VariantResult::syscallsPerOp),
            new Column("CPU µs/op", "%.2f", WorkloadResult.VariantResult::cpuUsPerOp),
            new Column("user µs/op", "%.2f", WorkloadResult.VariantResult::cpuUserUsPerOp),
            new Column("sys µs/op", "%.2f", WorkloadResult.VariantResult::cpuSysUsPerOp),
            new Column("ctx sw/op", "%.2f", WorkloadResult.VariantResult::contextSwitchesPerOp),
            new Column("flush ops/op", "%.3f", WorkloadResult.VariantResult::flushesPerOp));

    private static List<Column> columns(WorkloadResult r) {
        List<Column> shown = new ArrayList<>();
        for (Column c : PER_OP) if (r.variants().stream().anyMatch(v -> c.value().apply(v) != null)) shown.add(c);
        return shown;
    }

    public static void printTable(WorkloadResult r, PrintStream out) {
        List<Column> cols = columns(r);
        boolean ceiling = r.ceiling() != null;
        boolean flushes = r.variants().stream().anyMatch(v -> v.flushesPerOp() != null);
        out.printf("%n%s — %s/s, %d rounds, %s%s%n", r.workload(), r.unit(), r.rounds(), r.date(),
                flushes ? "; flush ops counted on the whole device " + r.machine().device() : "");
        StringBuilder head = new StringBuilder(String.format("  %-22s %14s %27s %22s", "variant", "median", "min – max", "vs NIO (min–max)"));
        if (ceiling) head.append(String.format(" %22s", "vs " + r.ceiling()));
        for (Column c : cols) head.append(String.format(" %" + Math.max(9, c.title().length()) + "s", c.title()));
        out.println(head);
        for (WorkloadResult.VariantResult v : r.variants()) {
            StringBuilder row = new StringBuilder(String.format("  %-22s %,14.0f %,13.0f – %,-11.0f %22s", v.name(), v.opsPerS().median(),
                    v.opsPerS().min(), v.opsPerS().max(), ratio(r.ratiosVsNio().get(v.name()))));
            if (ceiling) row.append(String.format(" %22s", ratio(r.ratiosVsCeiling().get(v.name()))));
            for (Column c : cols) row.append(String.format(" %" + Math.max(9, c.title().length()) + "s", num(c.value().apply(v), c.format())));
            out.println(row);
        }
    }

    /** The same table in Markdown, for docs/BENCHMARKS.md. */
    public static String markdown(WorkloadResult r) {
        List<Column> cols = columns(r);
        StringBuilder b = new StringBuilder();
        b.append(String.format("### %s — %s/s%n%n", r.workload(), r.unit()));
        b.append("| variant | median | min – max | vs NIO, median (min–max) | vs ").append(r.ceiling() == null ? "ceiling" : r.ceiling()).append(" |");
        for (Column c : cols) b.append(' ').append(c.title()).append(" |");
        b.append("\n|---|---:|---:|---:|---:|").append("---:|".repeat(cols.size())).append('\n');
        for (WorkloadResult.VariantResult v : r.variants()) {
            Spread f = r.ratiosVsCeiling() == null ? null : r.ratiosVsCeiling().get(v.name());
            b.append(String.format("| %s | %,.0f | %,.0f – %,.0f | %s | %s |", v.name(), v.opsPerS().median(), v.opsPerS().min(),
                    v.opsPerS().max(), ratio(r.ratiosVsNio().get(v.name())), ratio(f)));
            for (Column c : cols) b.append(' ').append(num(c.value().apply(v), c.format())).append(" |");
            b.append('\n');
        }
        return b.append('\n').toString();
    }

    static String num(Double v, String format) {
        return v == null ? "—" : String.format(format, v);
    }

    static String ratio(Spread q) {
        return q == null ? "—" : String.format("%.2f× (%.2f–%.2f)", q.median(), q.min(), q.max());
    }
}
