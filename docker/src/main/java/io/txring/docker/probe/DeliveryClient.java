package io.txring.docker.probe;

import io.txring.mailspool.bench.LmtpClient;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Delivers test messages to an LMTP server on a loopback address from several sessions and
 * appends one line per acknowledged message ({@code id TAB mailbox,mailbox}) to an ack log,
 * the moment all its recipients got 250 — so after a SIGKILL the log holds exactly what the
 * client saw acknowledged. Bounded by a message count and a deadline.
 * <p>
 * {@code DeliveryClient --acks FILE --prefix P [--address 127.0.0.1:2424] [--sessions 4]
 * [--messages 100000] [--seconds 120] [--to a,b] [--size BYTES]}; without {@code --to} and
 * {@code --size} both follow from each id ({@link TestMail}). Prints one summary line:
 * {@code client: sent=… acked=… tempfail=… other=… errors=…} and each distinct refusal.
 */
public final class DeliveryClient {
    private DeliveryClient() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String[] hostPort = args.get("address", "127.0.0.1:2424").split(":");
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(hostPort[0]), Integer.parseInt(hostPort[1]));
        // Test traffic may only ever go to loopback.
        if (!address.getAddress().isLoopbackAddress()) throw new IllegalArgumentException("not a loopback address: " + address);
        Path acks = Path.of(args.get("acks"));
        String prefix = args.get("prefix");
        int sessions = args.integer("sessions", 4);
        int messages = args.integer("messages", 100_000);
        long deadline = System.nanoTime() + args.seconds("seconds", 120).toNanos();
        List<String> fixedTo = args.get("to", "").isEmpty() ? null : Arrays.asList(args.get("to").split(","));
        int fixedSize = args.integer("size", 0);

        Files.createDirectories(acks.toAbsolutePath().getParent());
        AtomicInteger next = new AtomicInteger(), sent = new AtomicInteger(), acked = new AtomicInteger();
        AtomicInteger tempfail = new AtomicInteger(), other = new AtomicInteger(), errors = new AtomicInteger();
        Set<String> refusals = ConcurrentHashMap.newKeySet();
        try (FileChannel log = FileChannel.open(acks, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                threads.add(Thread.ofPlatform().name("client-" + s).start(() -> {
                    try (LmtpClient client = connect(address, deadline)) {
                        expect(client.readReply(), 220);
                        expect(client.command("LHLO client.txring.test"), 250);
                        for (int i; System.nanoTime() < deadline && (i = next.getAndIncrement()) < messages; ) {
                            String id = prefix + "-" + i;
                            List<String> to = fixedTo != null ? fixedTo : TestMail.recipientsFor(id);
                            int size = fixedSize > 0 ? fixedSize : TestMail.sizeFor(id);
                            sent.incrementAndGet();
                            Outcome o = send(client, to, TestMail.content(id, to, size));
                            switch (o.kind) {
                                case ACKED -> {
                                    // One write per line: a kill can lose a line, never leave half of one.
                                    ByteBuffer line = ByteBuffer.wrap((id + "\t" + String.join(",", to) + "\n").getBytes(StandardCharsets.US_ASCII));
                                    synchronized (log) { log.write(line); }
                                    acked.incrementAndGet();
                                }
                                case TEMPFAIL -> { tempfail.incrementAndGet(); refusals.add(o.reply); }
                                case OTHER -> { other.incrementAndGet(); refusals.add(o.reply); }
                            }
                        }
                        client.command("QUIT");
                    } catch (IOException | RuntimeException e) {
                        errors.incrementAndGet();
                        System.err.println("client: " + Thread.currentThread().getName() + ": " + e);
                    }
                }));
            }
            for (Thread t : threads) t.join();
        }
        PrintStream out = System.out;
        out.printf("client: sent=%d acked=%d tempfail=%d other=%d errors=%d%n", sent.get(), acked.get(), tempfail.get(), other.get(), errors.get());
        for (String r : refusals) out.println("refused: " + r);
    }

    private enum Kind { ACKED, TEMPFAIL, OTHER }

    private record Outcome(Kind kind, String reply) {}

    /**
     * One LMTP transaction: MAIL and the RCPTs pipelined, DATA only once every recipient was
     * accepted (a refused one means RSET: a message for some recipients only is not a test
     * message); a 4xx anywhere is a temporary failure.
     */
    private static Outcome send(LmtpClient client, List<String> to, byte[] content) throws IOException {
        StringBuilder b = new StringBuilder("MAIL FROM:<client@txring.test>\r\n");
        for (String t : to) b.append("RCPT TO:<").append(t).append("@txring.test>\r\n");
        client.write(b.toString()).flush();
        LmtpClient.Reply refused = null;
        for (int i = 0; i < to.size() + 1; i++) {
            LmtpClient.Reply r = expect(client.readReply(), -1);
            if (!r.positive() && refused == null) refused = r;
        }
        if (refused != null) {
            expect(client.command("RSET"), 250);
            return refusal(refused);
        }
        LmtpClient.Reply data = expect(client.command("DATA"), -1);
        if (data.code() != 354) return refusal(data);
        client.writeContent(new java.io.ByteArrayInputStream(content));
        client.flush();
        Outcome outcome = new Outcome(Kind.ACKED, "");
        for (int i = 0; i < to.size(); i++) {
            LmtpClient.Reply r = expect(client.readReply(), -1);
            if (r.code() != 250 && outcome.kind == Kind.ACKED) outcome = refusal(r);
        }
        return outcome;
    }

    private static Outcome refusal(LmtpClient.Reply r) {
        return new Outcome(r.code() >= 400 && r.code() < 500 ? Kind.TEMPFAIL : Kind.OTHER, r.toString());
    }

    /** Connects, retrying while the server is still starting (until the deadline). */
    private static LmtpClient connect(InetSocketAddress address, long deadline) throws IOException {
        while (true) {
            try {
                return LmtpClient.connect(address, Duration.ofSeconds(60));
            } catch (java.net.ConnectException e) {
                if (System.nanoTime() > deadline) throw e;
                try { Thread.sleep(100); } catch (InterruptedException ie) { throw new IOException("interrupted", ie); }
            }
        }
    }

    private static LmtpClient.Reply expect(LmtpClient.Reply r, int code) throws IOException {
        if (r == null) throw new IOException("connection closed by the server");
        if (code > 0 && r.code() != code) throw new IOException("expected " + code + ", got " + r);
        return r;
    }
}
