package io.txring.bench.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code FILESYSTEMS.md}: the filesystem matrix side by side — a table per workload, a column per filesystem. */
public final class MatrixReport {
    private MatrixReport() {}

    /** {@code byFs}: the results of each filesystem that ran, by label, in run order; {@code notRun}: why the others did not. */
    public static String markdown(Map<String, List<WorkloadResult>> byFs, Map<String, String> notRun) {
        StringBuilder b = new StringBuilder("## Durable workloads by filesystem\n\n");
        b.append("| filesystem | type | mount options | ext4 journal | flushes counted on |\n|---|---|---|---|---|\n");
        for (Map.Entry<String, List<WorkloadResult>> e : byFs.entrySet()) {
            if (e.getValue().isEmpty()) continue;
            WorkloadResult.Machine m = e.getValue().getFirst().machine();
            b.append(String.format("| %s | %s | %s | %s | %s |%n", e.getKey(), m.fs(), m.mountOptions() == null ? "—" : m.mountOptions(),
                    m.journal() == null ? "—" : m.journal() ? "yes, data=" + m.dataMode() : "no", device(m)));
        }
        notRun.forEach((fs, why) -> b.append(String.format("| %s | %s | | | |%n", fs, why)));
        b.append("\nCell: median ops/s · median ratio to NIO in the same round · device flushes per op.\n\n");
        Map<String, Map<String, WorkloadResult>> byWorkload = new LinkedHashMap<>();
        byFs.forEach((fs, rs) -> rs.forEach(r -> byWorkload.computeIfAbsent(r.workload(), k -> new LinkedHashMap<>()).put(fs, r)));
        List<String> columns = new ArrayList<>(byFs.keySet());
        for (Map.Entry<String, Map<String, WorkloadResult>> w : byWorkload.entrySet()) {
            Set<String> variants = new LinkedHashSet<>();
            w.getValue().values().forEach(r -> r.variants().forEach(v -> variants.add(v.name())));
            b.append(String.format("### %s — %s/s%n%n| variant |", w.getKey(), w.getValue().values().iterator().next().unit()));
            for (String fs : columns) b.append(' ').append(fs).append(" |");
            b.append("\n|---|").append("---:|".repeat(columns.size())).append('\n');
            for (String v : variants) {
                b.append("| ").append(v).append(" |");
                for (String fs : columns) b.append(' ').append(cell(w.getValue().get(fs), v)).append(" |");
                b.append('\n');
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** The loop device and, after an arrow, the disk its flushes become flushes of (the image file's). */
    static String device(WorkloadResult.Machine m) {
        if (m.device() == null) return "— (no block device)";
        return m.backingDevice() == null ? m.device() : m.device() + " (image on " + m.backingDevice() + ")";
    }

    static String cell(WorkloadResult r, String variant) {
        if (r == null) return "—";
        for (WorkloadResult.VariantResult v : r.variants()) {
            if (!v.name().equals(variant)) continue;
            Spread ratio = r.ratiosVsNio().get(variant);
            return String.format("%,.0f · %s · %s", v.opsPerS().median(), ratio == null ? "—" : String.format("%.2f×", ratio.median()),
                    v.flushesPerOp() == null ? "—" : String.format("%.2f fl", v.flushesPerOp()));
        }
        return "—";
    }
}
