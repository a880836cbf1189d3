package io.txring.bench.workloads;

import io.txring.bench.harness.RoundSample;
import io.txring.bench.harness.Variant;
import io.txring.bench.harness.VariantRun;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
 * thread hand-off. {@code processes} copies share one spool, as a server's sessions share the
 * recipients' directories; each makes its own messages durable one after another (the kernel's block
 * layer merges their concurrent flushes, nothing else shares them). A variant beside the servers, not a
 * bound: a store that groups flushes can beat it. CPU and switches are the processes' own; the wall
 * time runs from the first process's start to the last one's end (all are released together).
 */
final class MaildirFloor implements VariantRun {
    static final String NAME = "maildir-floor-c";
    static final Path GCC = Path.of("/usr/bin/gcc");
    private static final String SOURCE = "maildir-floor.c";
    /** Fewer would make a round mostly process start-up. */
    static final int MIN_PER_PROCESS = 100;
    private static final long TIMEOUT_SECONDS = 120;
    private final Path dir;
    private final Path binary;
    private final int[] messages;
    private final int recipients;
    private int round;

    /**
     * {@code messagesPerRound} shared out over {@code processes} (at least {@value #MIN_PER_PROCESS} each;
     * a round reports what it did, so ops/s stays right).
     */
    MaildirFloor(Path dir, Path binary, int processes, int recipients, int messagesPerRound) {
        this.dir = dir;
        this.binary = binary;
        this.recipients = recipients;
        int total = Math.max(messagesPerRound, MIN_PER_PROCESS * processes);
        this.messages = new int[processes];
        for (int i = 0; i < processes; i++) messages[i] = total / processes + (i < total % processes ? 1 : 0);
    }

    /**
     * Adds the {@value #NAME} variant to {@code variants} once it has built and delivered one message
     * here, or says why not and leaves it out: a floor that cannot run must not cost the workload's other
     * variants. Call it after any other ceiling: the first ceiling is the one ratios are taken against.
     */
    static void addTo(List<Variant> variants, String workload, Path scratch, int processes, int recipients, int messagesPerRound) {
        Path dir = scratch.resolve(NAME);
        Path binary;
        try {
            binary = build(dir);
            new MaildirFloor(dir.resolve("smoke"), binary, 1, recipients, 1).run(new int[] {1}); // e.g. a noexec scratch fails here
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt(); // the harness sees it at its next wait
            System.out.printf("  %s: %s left out: %s%n", workload, NAME, e.getMessage());
            return;
        }
        variants.add(Variant.ceiling(NAME, () -> new MaildirFloor(dir, binary, processes, recipients, messagesPerRound)));
    }

    /** Compiles the jar's copy of the C source into {@code dir}. */
    static Path build(Path dir) throws IOException, InterruptedException {
        if (!Files.isExecutable(GCC)) throw new IOException("no C compiler (" + GCC + "; apt package gcc)");
        Files.createDirectories(dir);
        Path source = dir.resolve(SOURCE), binary = dir.resolve("maildir-floor");
        try (InputStream in = MaildirFloor.class.getResourceAsStream(SOURCE)) {
            if (in == null) throw new IOException(SOURCE + " is not in the bench's jar: rebuild benchmarks");
            Files.copy(in, source, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path log = dir.resolve("gcc.log");
        Process cc = new ProcessBuilder(GCC.toString(), "-O2", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!cc.waitFor(60, TimeUnit.SECONDS)) {
            cc.destroyForcibly();
            throw new IOException("gcc did not build " + SOURCE + " in 60 s");
        }
        if (cc.exitValue() != 0) throw new IOException("gcc could not build " + SOURCE + ": " + Files.readString(log).strip());
        return binary;
    }

    @Override
    public RoundSample round() throws IOException, InterruptedException {
        return run(messages);
    }

    /** One round: a process per entry of {@code counts}, in a fresh spool, released together. */
    private RoundSample run(int[] counts) throws IOException, InterruptedException {
        Path spool = dir.resolve("round-" + round++); // fresh: no file of an earlier round in its directories
        Files.createDirectories(spool);
        List<Process> running = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        try {
            for (int i = 0; i < counts.length; i++) {
                Path out = spool.resolve("process-" + i + ".out");
                outs.add(out);
                running.add(new ProcessBuilder(binary.toString(), spool.resolve("spool").toString(), Integer.toString(counts[i]),
                        Integer.toString(recipients), "1").redirectErrorStream(true).redirectOutput(out.toFile()).start());
            }
            for (Process p : running) { // the start barrier: each waits for this byte before its clock starts
                try (OutputStream go = p.getOutputStream()) {
                    go.write('\n');
                } catch (IOException e) {
                    // it already died; its exit status says why below
                }
            }
            long ops = 0, user = 0, sys = 0, switches = 0, first = Long.MAX_VALUE, last = Long.MIN_VALUE;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS); // for the whole round
            for (int i = 0; i < running.size(); i++) {
                Process p = running.get(i);
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new IOException(NAME + " did not finish in " + TIMEOUT_SECONDS + " s");
                }
                String said = Files.readString(outs.get(i));
                if (p.exitValue() != 0) throw new IOException(NAME + " exited with " + p.exitValue() + ": " + said.strip());
                Map<String, Long> v = parse(said);
                ops += v.get("messages");
                user += v.get("user_us") * 1_000;
                sys += v.get("sys_us") * 1_000;
                switches += v.get("voluntary") + v.get("involuntary");
                first = Math.min(first, v.get("start_ns"));
                last = Math.max(last, v.get("end_ns"));
            }
            return new RoundSample(ops, Math.max(1, last - first), -1, user + sys, user, sys, switches, -1);
        } finally {
            for (Process p : running) p.destroyForcibly(); // a failed round leaves nothing running
        }
    }

    /** Its one line of {@code key=value} pairs. */
    private static Map<String, Long> parse(String line) throws IOException {
        Map<String, Long> m = new HashMap<>();
        for (String pair : line.strip().split(" ")) {
            String[] kv = pair.split("=", 2);
            if (kv.length == 2) {
                try {
                    m.put(kv[0], Long.parseLong(kv[1]));
                } catch (NumberFormatException e) {
                    throw new IOException(NAME + " said \"" + line.strip() + "\"", e);
                }
            }
        }
        for (String k : List.of("messages", "user_us", "sys_us", "start_ns", "end_ns", "voluntary", "involuntary")) {
            if (!m.containsKey(k)) throw new IOException(NAME + " said \"" + line.strip() + "\": no " + k);
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
