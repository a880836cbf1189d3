package io.txring.bench.workloads;

import io.txring.bench.harness.RoundSample;
import io.txring.bench.harness.Variant;
import io.txring.bench.harness.VariantRun;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The C floor of a durable Maildir delivery ({@code benchmarks/src/main/c/maildir-floor.c}): per
 * message a file created in {@code tmp/}, written, fdatasynced, linked into each recipient's
 * {@code new/}, unlinked from {@code tmp/}, and every {@code new/} fsynced — with no network, JVM or
 * thread hand-off. {@code processes} copies run side by side, as many as the workload's sessions, each
 * making its own messages durable one after another (the kernel's block layer merges their concurrent
 * flushes, nothing else shares them). A variant beside the servers, not a bound: a store that groups
 * flushes can beat it. Compiled with gcc when the variant opens; CPU, switches and wall time are the
 * processes' own.
 */
final class MaildirFloor implements VariantRun {
    static final String NAME = "maildir-floor-c";
    static final Path GCC = Path.of("/usr/bin/gcc");
    private static final String SOURCE = "maildir-floor.c";
    private final Path dir;
    private final Path binary;
    private final int processes;
    private final int recipients;
    private final int messagesPerProcess;
    private int round;

    MaildirFloor(Path dir, int processes, int recipients, int messagesPerRound) throws IOException, InterruptedException {
        this.dir = Files.createDirectories(dir);
        this.processes = processes;
        this.recipients = recipients;
        this.messagesPerProcess = Math.max(1, messagesPerRound / processes);
        Path source = dir.resolve(SOURCE);
        try (InputStream in = MaildirFloor.class.getResourceAsStream(SOURCE)) {
            if (in == null) throw new IOException(SOURCE + " is not in the bench's jar: rebuild benchmarks");
            Files.copy(in, source);
        }
        this.binary = dir.resolve("maildir-floor");
        Process cc = new ProcessBuilder(GCC.toString(), "-O2", "-o", binary.toString(), source.toString()).redirectErrorStream(true).start();
        String said = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) throw new IOException("gcc could not build " + SOURCE + ": " + said.strip());
    }

    /** Adds the {@value #NAME} variant to {@code variants}, or says why it cannot run here (no C compiler). */
    static void addTo(List<Variant> variants, String workload, Path scratch, int processes, int recipients, int messagesPerRound) {
        if (!Files.isExecutable(GCC)) {
            System.out.printf("  %s: %s left out: no C compiler (%s; apt package gcc)%n", workload, NAME, GCC);
            return;
        }
        variants.add(Variant.ceiling(NAME, () -> new MaildirFloor(scratch.resolve(NAME), processes, recipients, messagesPerRound)));
    }

    @Override
    public RoundSample round() throws IOException, InterruptedException {
        Path runs = Files.createDirectories(dir.resolve("round-" + round++)); // fresh directories: maildir-floor refuses to reuse one
        List<Process> running = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < processes; i++) {
                running.add(new ProcessBuilder(binary.toString(), runs.resolve(Integer.toString(i)).toString(),
                        Integer.toString(messagesPerProcess), Integer.toString(recipients), "1").redirectErrorStream(true).start());
            }
            long ops = 0, user = 0, sys = 0, switches = 0;
            for (Process p : running) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(120, TimeUnit.SECONDS)) throw new IOException("maildir-floor did not finish in 120 s");
                if (p.exitValue() != 0) throw new IOException("maildir-floor exited with " + p.exitValue() + ": " + out.strip());
                Map<String, Long> said = parse(out);
                ops += said.get("messages");
                user += said.get("user_us") * 1_000;
                sys += said.get("sys_us") * 1_000;
                switches += said.get("voluntary") + said.get("involuntary");
            }
            long nanos = System.nanoTime() - t0;
            return new RoundSample(ops, nanos, 0, user + sys, user, sys, switches, -1);
        } finally {
            for (Process p : running) p.destroyForcibly(); // a failed round leaves nothing running
        }
    }

    /** Its one line of {@code key=value} pairs. */
    private static Map<String, Long> parse(String line) throws IOException {
        Map<String, Long> m = new HashMap<>();
        for (String pair : line.strip().split(" ")) {
            String[] kv = pair.split("=", 2);
            if (kv.length == 2) m.put(kv[0], Long.parseLong(kv[1]));
        }
        for (String k : List.of("messages", "user_us", "sys_us", "voluntary", "involuntary")) {
            if (!m.containsKey(k)) throw new IOException("maildir-floor said \"" + line.strip() + "\": no " + k);
        }
        return m;
    }

    @Override
    public long pid() {
        return -1; // new processes each round: nothing lasting for perf to attach to
    }

    @Override
    public void close() {}
}
