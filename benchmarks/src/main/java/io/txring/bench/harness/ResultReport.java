package io.txring.bench.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.chart.title.TextTitle;
import java.awt.Color;
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

    public static void printTable(WorkloadResult r, PrintStream out) {
        out.printf("%n%s — %s/s, %d rounds, %s%n", r.workload(), r.unit(), r.rounds(), r.date());
        out.printf("  %-22s %14s %27s %22s %9s %11s %9s%n", "variant", "median", "min – max", "vs NIO (min–max)", "traps/op", "syscalls/op", "CPU µs/op");
        for (WorkloadResult.VariantResult v : r.variants()) {
            Spread q = r.ratiosVsNio().get(v.name());
            out.printf("  %-22s %,14.0f %,13.0f – %,-11.0f %22s %9s %11s %9.2f%n", v.name(), v.opsPerS().median(), v.opsPerS().min(),
                    v.opsPerS().max(), ratio(q),
                    num(v.trapsPerOp(), "%.4f"), num(v.syscallsPerOp(), "%.3f"), v.cpuUsPerOp());
        }
        if (r.ratiosVsFio() != null) {
            for (Map.Entry<String, Spread> e : r.ratiosVsFio().entrySet()) {
                out.printf("  %-22s vs fio io_uring: %s%n", e.getKey(), ratio(e.getValue()));
            }
        }
    }

    /** The same table in Markdown, for docs/BENCHMARKS.md. */
    public static String markdown(WorkloadResult r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("### %s — %s/s%n%n", r.workload(), r.unit()));
        b.append("| variant | median | min – max | vs NIO, median (min–max) | vs fio | traps/op | syscalls/op | CPU µs/op |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (WorkloadResult.VariantResult v : r.variants()) {
            Spread q = r.ratiosVsNio().get(v.name());
            Spread f = r.ratiosVsFio() == null ? null : r.ratiosVsFio().get(v.name());
            b.append(String.format("| %s | %,.0f | %,.0f – %,.0f | %s | %s | %s | %s | %.2f |%n", v.name(), v.opsPerS().median(), v.opsPerS().min(),
                    v.opsPerS().max(), ratio(q), ratio(f), num(v.trapsPerOp(), "%.4f"), num(v.syscallsPerOp(), "%.3f"), v.cpuUsPerOp()));
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
