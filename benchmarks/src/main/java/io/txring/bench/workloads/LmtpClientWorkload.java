package io.txring.bench.workloads;

import io.txring.bench.harness.ProcessCounters;
import io.txring.bench.harness.RoundSample;
import io.txring.bench.harness.Variant;
import io.txring.bench.harness.VariantRun;
import io.txring.bench.harness.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code mail-lmtp-1s-1rcpt} and {@code mail-lmtp-10s-3rcpt}: mail as users will send it —
 * Postfix's {@code smtp-source -L}, a C LMTP client in its own process, over loopback with
 * persistent connections ({@code -d}), 4 KiB bodies ({@code -l 4096}), a bounded count per
 * round ({@code -m}) — against servers that are processes of their own: {@code mailspool lmtp}
 * (txring, durable), the same LMTP front end over the blocking NIO Maildir writer
 * ({@link NioLmtpServer}), and {@code smtp-sink -L}, which keeps nothing: the no-disk ceiling;
 * beside them {@link MaildirFloor}, the same deliveries' storage work alone in C (no network).
 * One server per variant lives across the rounds, warmed up first in batches of
 * {@value #WARMUP_BATCH} messages until its JIT compilers take under {@value #SETTLED_JIT_PERCENT} %
 * of its CPU in a batch (for at most {@value #MAX_WARMUP_SECONDS} s; on two vCPUs under load
 * C2 needs 20–30 s for the mail-spool): a JVM server still
 * compiling spends up to a third of its CPU in C2, which would be measured as the server's cost.
 * CPU, context switches and syscalls are the server's.
 */
public final class LmtpClientWorkload implements Workload {
    static final Path SMTP_SOURCE = Path.of("/usr/sbin/smtp-source");
    static final int SIZE = 4096;
    static final int WARMUP_BATCH = 2000;
    static final int MAX_WARMUP_SECONDS = 90;
    static final int SETTLED_JIT_PERCENT = 2;
    /** smtp-source's recipients with {@code -t user@localhost -r N}: user, 2user, …, Nuser; "user" gets every message. */
    private static final String MAILBOX = "user";

    private final int sessions;
    private final int recipients;
    private final int messagesPerRound;

    public LmtpClientWorkload(int sessions, int recipients, int messagesPerRound) {
        this.sessions = sessions;
        this.recipients = recipients;
        this.messagesPerRound = messagesPerRound;
    }

    @Override
    public String name() { return "mail-lmtp-" + sessions + "s-" + recipients + "rcpt"; }

    @Override
    public String unit() {
        return "message (" + recipients + " recipient" + (recipients > 1 ? "s" : "") + ", " + sessions + " smtp-source session"
                + (sessions > 1 ? "s" : "") + ")";
    }

    @Override
    public boolean durable() { return true; }

    @Override
    public String unavailable() {
        if (Files.isExecutable(SMTP_SOURCE) && Files.isExecutable(LmtpServerProcess.SMTP_SINK)) return null;
        return "Postfix's load tools are missing (" + SMTP_SOURCE + ", " + LmtpServerProcess.SMTP_SINK + "); install the apt package "
                + "postfix (./txring bench does it when run as root)";
    }

    @Override
    public List<Variant> variants(Path scratch) {
        Path mailspool = scratch.resolve("mailspool"), nio = scratch.resolve("nio");
        List<Variant> v = new java.util.ArrayList<>(List.of(
                Variant.txring("mailspool-lmtp", () -> new Run(LmtpServerProcess.mailspool(mailspool), mailspool.resolve("spool"))),
                Variant.nio("nio-lmtp", () -> new Run(LmtpServerProcess.nioWriter(nio), nio.resolve("spool"))),
                Variant.ceiling("smtp-sink", () -> new Run(LmtpServerProcess.smtpSink(scratch.resolve("sink")), null))));
        // After smtp-sink, which stays the ratios' ceiling: the storage floor is a row to read beside the servers.
        MaildirFloor.addTo(v, name(), scratch, sessions, recipients, messagesPerRound);
        return v;
    }

    private final class Run implements VariantRun {
        private final LmtpServerProcess server;
        /** The first recipient's new/, where every message must be after its 250; null for smtp-sink, which keeps nothing. */
        private final Path inbox;
        private final Path clientLog;
        private long sent;

        /** Takes over {@code server}: stops it if the warm-up fails. */
        Run(LmtpServerProcess server, Path spool) throws Exception {
            this.server = server;
            this.inbox = spool == null ? null : spool.resolve(MAILBOX).resolve("new");
            this.clientLog = Files.createTempFile("txring-smtp-source-", ".log");
            try {
                warmUp();
            } catch (Exception e) {
                close();
                throw e;
            }
        }

        /** Batches until the JIT has settled (two batches at least: the first compiles the whole path), bounded. */
        private void warmUp() throws IOException, InterruptedException {
            double jit = 1;
            int batches = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_WARMUP_SECONDS);
            while (batches < 2 || (jit * 100 >= SETTLED_JIT_PERCENT && System.nanoTime() < deadline)) {
                ProcessCounters before = ProcessCounters.of(server.pid());
                send(WARMUP_BATCH);
                jit = ProcessCounters.of(server.pid()).jitShareSince(before);
                batches++;
            }
            System.out.printf("  %s/%s: warmed up with %,d messages; JIT %.1f %% of the server's CPU in the last batch%s%n", name(), server.name(),
                    batches * WARMUP_BATCH, jit * 100, jit * 100 >= SETTLED_JIT_PERCENT ? " (not settled: rounds include compilation)" : "");
        }

        @Override
        public RoundSample round() throws IOException, InterruptedException {
            ProcessCounters before = ProcessCounters.of(server.pid());
            long t0 = System.nanoTime();
            send(messagesPerRound);
            long nanos = System.nanoTime() - t0;
            ProcessCounters after = ProcessCounters.of(server.pid());
            long user = after.userNanosSince(before), sys = after.sysNanosSince(before);
            return new RoundSample(messagesPerRound, nanos, -1, user + sys, user, sys, after.switchesSince(before), -1);
        }

        /** One smtp-source run of {@code n} messages, bounded in time; every reply must be positive, every message on disk. */
        private void send(int n) throws IOException, InterruptedException {
            List<String> cmd = List.of(SMTP_SOURCE.toString(), "-L", "-d", "-s", Integer.toString(sessions), "-r", Integer.toString(recipients),
                    "-l", Integer.toString(SIZE), "-m", Integer.toString(n), "-M", "localhost", "-f", "bench@localhost",
                    "-t", MAILBOX + "@localhost", "127.0.0.1:" + server.port());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(clientLog.toFile()).start();
            long limit = 60 + n / 10; // ten messages a second is far below any variant: a stall, not a slow disk
            if (!p.waitFor(limit, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IOException(name() + "/" + server.name() + ": smtp-source did not finish " + n + " messages in " + limit + " s\n"
                        + server.logTail());
            }
            // smtp-source stops at the first reply that is not positive (no -A): exit 0 means n × recipients 250s
            if (p.exitValue() != 0) {
                throw new IOException(name() + "/" + server.name() + ": smtp-source exited with " + p.exitValue() + ": "
                        + Files.readString(clientLog, StandardCharsets.UTF_8).strip() + "\nserver log:\n" + server.logTail());
            }
            sent += n;
            if (inbox != null) {
                long found;
                try (Stream<Path> files = Files.list(inbox)) {
                    found = files.count();
                }
                if (found != sent) throw new IOException(name() + "/" + server.name() + ": " + sent + " messages accepted, " + found + " in " + inbox);
            }
        }

        @Override
        public long pid() {
            return server.pid();
        }

        @Override
        public void close() throws Exception {
            try {
                server.close();
            } finally {
                Files.deleteIfExists(clientLog);
            }
        }
    }
}
