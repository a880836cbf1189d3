package io.txring.bench.harness;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows how far a workload's rounds are: a redrawn bar on a terminal; into a file or a
 * pipe, one line per round of every variant (a log reader wants lines, not redraws).
 */
public final class Progress {
    private final PrintStream out;
    private final boolean terminal;
    private ProgressBar bar;
    private String workload;

    public Progress(PrintStream out) {
        this.out = out;
        this.terminal = System.console() != null && System.console().isTerminal();
    }

    void start(String workload, int steps) {
        this.workload = workload;
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName(workload).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(200).setConsumer(new ConsoleProgressBarConsumer(out)).build();
        }
    }

    void step(String variant, String round, RoundSample s) {
        if (bar != null) {
            bar.setExtraMessage(variant + " " + round);
            bar.step();
        } else {
            out.printf("  %-16s %-9s %-22s %,14.0f ops/s%n", workload, round, variant, s.opsPerSecond());
        }
    }

    void finish() {
        if (bar != null) bar.close();
        bar = null;
    }
}
