package io.txring.mailspool.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.txring.core.RingMetrics;
import io.txring.mailspool.DeliveryAgent;
import io.txring.mailspool.MailDrop;
import io.txring.mailspool.lmtp.LmtpServer;
import io.txring.mailspool.lmtp.LmtpServerConfig;
import io.txring.txn.StoreConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Drives an in-process LMTP server through real loopback sockets: {@code sessions}
 * client threads share {@code messages}, each message pipelined (MAIL, RCPTs, DATA in
 * one write) to the same {@code recipients} mailboxes. Bounded: it stops after the
 * messages are sent or a client fails.
 */
public final class Bench {
    /**
     * @param root       the spool (mailboxes user1..userR are created in it)
     * @param messages   messages to send in all
     * @param recipients recipients per message
     * @param sessions   concurrent client sessions
     * @param size       bytes per message as stored
     * @param progress   whether to draw a progress bar
     * @param store      how the spool's store runs
     */
    public record Settings(Path root, int messages, int recipients, int sessions, int size, boolean progress, StoreConfig store) {
        public Settings {
            if (messages < 1 || recipients < 1 || sessions < 1) throw new IllegalArgumentException("messages, recipients and sessions must be ≥ 1");
            if (size < 256) throw new IllegalArgumentException("size must be ≥ 256 bytes (headers): " + size);
        }
    }

    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

    private static final RingMetrics ZERO = new RingMetrics(0, 0, 0, 0, 0, 0);

    private Bench() {}

    public static BenchResult run(Settings s, PrintStream out) throws IOException, InterruptedException {
        Files.createDirectories(s.root());
        try (DeliveryAgent agent = DeliveryAgent.open(s.root(), s.store())) {
            return drive(s, agent, agent.store(), out);
        }
    }

    /**
     * Runs the bench against any {@link MailDrop} behind the same LMTP front end (the
     * benchmarks compare txring with a plain blocking writer this way); {@code store} is the
     * drop's store (its ring is described, its rings' counters give the trap counts), or null
     * when it has none.
     */
    public static BenchResult drive(Settings s, MailDrop drop, io.txring.txn.Store store, PrintStream out)
            throws IOException, InterruptedException {
        Files.createDirectories(s.root());
        List<String> to = new ArrayList<>();
        for (int r = 1; r <= s.recipients(); r++) to.add("user" + r + "@bench.invalid");
        try (LmtpServer server = LmtpServer.start(drop, LmtpServerConfig.loopback(0)
                     .withMaxSessions(Math.max(100, s.sessions() + 1)).withMaxMessageSize(Math.max(50L << 20, 2L * s.size())))) {
            RingMetrics before = store == null ? ZERO : store.ringMetrics();
            AtomicInteger next = new AtomicInteger(), failures = new AtomicInteger(), done = new AtomicInteger();
            long[] latencies = new long[s.messages()];
            List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            // A redrawn bar on a terminal; into a file or pipe a line per 10 % instead of hundreds of redraws.
            boolean terminal = System.console() != null && System.console().isTerminal();
            ProgressBar bar = s.progress() && terminal ? new ProgressBarBuilder().setTaskName("messages").setInitialMax(s.messages())
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate().setConsumer(
                            new me.tongfei.progressbar.ConsoleProgressBarConsumer(out)).build() : null;
            int tenth = Math.max(1, s.messages() / 10);
            boolean lines = s.progress() && !terminal;
            long start = System.nanoTime();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < s.sessions(); c++) {
                clients.add(Thread.ofPlatform().name("bench-client-" + c).start(() -> {
                    try (LmtpClient client = LmtpClient.connect(server.address(), CLIENT_TIMEOUT)) {
                        expect(client.readReply(), 220, "greeting");
                        expect(client.command("LHLO bench.invalid"), 250, "LHLO");
                        for (int i; (i = next.getAndIncrement()) < s.messages(); ) {
                            byte[] message = message(i, s.size());
                            long t0 = System.nanoTime();
                            List<LmtpClient.Reply> replies = client.send("bench@bench.invalid", to, message);
                            latencies[i] = System.nanoTime() - t0;
                            if (replies.size() != to.size() || !replies.stream().allMatch(r -> r.code() == 250)) {
                                failures.incrementAndGet();
                                if (failures.get() <= 3) errors.add(new IOException("message " + i + ": " + replies));
                            }
                            int n = done.incrementAndGet();
                            if (bar != null) bar.step();
                            if (lines && n % tenth == 0) out.printf("  %3d %% (%d/%d messages)%n", 100L * n / s.messages(), n, s.messages());
                        }
                        client.command("QUIT");
                    } catch (IOException | RuntimeException e) {
                        errors.add(e);
                        next.set(s.messages()); // stop the others: the run is broken
                    }
                }));
            }
            for (Thread t : clients) t.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (bar != null) bar.close();
            RingMetrics used = (store == null ? ZERO : store.ringMetrics()).minus(before);
            for (Throwable e : errors) out.println("bench: client error: " + e);
            int sent = done.get();
            long[] measured = Arrays.copyOf(latencies, sent);
            Arrays.sort(measured);
            long files = 0;
            for (int r = 1; r <= s.recipients(); r++) {
                try (Stream<Path> f = Files.list(s.root().resolve("user" + r + "/new"))) {
                    files += f.count();
                } catch (IOException e) {
                    // a mailbox that never got a message: counts 0
                }
            }
            int failed = failures.get() + (s.messages() - sent);
            return new BenchResult(s.messages(), s.recipients(), s.sessions(), s.size(), seconds, sent / seconds,
                    (double) sent * s.recipients() / seconds, percentile(measured, 0.50), percentile(measured, 0.99),
                    percentile(measured, 1.0), used.enters(), (double) used.enters() / Math.max(1, sent),
                    (double) used.submitted() / Math.max(1, sent), failed, files, store == null ? "none" : store.ringBackend().name(),
                    store == null ? drop.getClass().getSimpleName() : store.describeRing(), s.store().durability().name(), s.root().toAbsolutePath().toString());
        }
    }

    private static void expect(LmtpClient.Reply r, int code, String what) throws IOException {
        if (r == null || r.code() != code) throw new IOException(what + ": expected " + code + ", got " + r);
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
        return sorted[i] / 1e6;
    }

    /** Message {@code index}, exactly {@code size} bytes with LF line endings: headers, then 72-column text. */
    public static byte[] message(int index, int size) {
        StringBuilder b = new StringBuilder(size + 80);
        b.append("From: bench@bench.invalid\n")
                .append("To: undisclosed-recipients:;\n")
                .append("Subject: bench message ").append(index).append('\n')
                .append("Message-ID: <bench-").append(index).append("@bench.invalid>\n")
                .append("Date: Sat, 28 Nov 2026 12:00:00 +0000\n")
                .append('\n');
        String alphabet = "The quick brown fox jumps over the lazy dog. ";
        int col = 0;
        for (int i = 0; b.length() < size - 1; i++) {
            if (col == 72) {
                b.append('\n');
                col = 0;
            } else {
                char c = alphabet.charAt(i % alphabet.length());
                b.append(col == 0 && c == '.' ? 'x' : c);
                col++;
            }
        }
        b.append('\n');
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public static void writeJson(BenchResult r, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), r);
    }

    public static void print(BenchResult r, PrintStream out) {
        out.printf("%d messages × %d recipients, %d sessions, %d bytes each: %.2f s%n", r.messages(), r.recipients(), r.sessions(), r.sizeBytes(), r.seconds());
        out.printf("  %.0f msgs/s, %.0f deliveries/s, latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                r.messagesPerSecond(), r.deliveriesPerSecond(), r.latencyP50Ms(), r.latencyP99Ms(), r.latencyMaxMs());
        out.printf("  %.2f traps (io_uring_enter) and %.1f ring ops per message; %s, %s%n", r.trapsPerMessage(), r.opsPerMessage(), r.ring(), r.durability());
        out.printf("  %d failures; %d files in the recipients' new/ (expected %d)%n", r.failures(), r.verifiedFiles(), (long) (r.messages() - r.failures()) * r.recipients());
    }
}
