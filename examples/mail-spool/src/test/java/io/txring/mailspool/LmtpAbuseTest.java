package io.txring.mailspool;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.mailspool.bench.LmtpClient;
import io.txring.mailspool.bench.LmtpClient.Reply;
import io.txring.mailspool.lmtp.LmtpServerConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile LMTP clients (issue: reply floods, endless errors, slow DATA, leaky replies, one address hogging slots). */
class LmtpAbuseTest {
    @TempDir Path dir;
    Spool spool;

    @AfterEach
    void stop() {
        if (spool != null) spool.close();
    }

    private static List<Reply> replies(LmtpClient c, int n) throws IOException {
        List<Reply> r = new ArrayList<>();
        for (int i = 0; i < n; i++) r.add(c.readReply());
        return r;
    }

    /** A normal conversation, timed: NOOP, MAIL, RCPT, DATA, content, one 250 per recipient. */
    private void normalConversation(String box) throws IOException {
        normalConversation(spool.server.address(), box);
    }

    /** A whole honest conversation; each reply must come within the client's 10 s read timeout (a hang guard, not a speed bound). */
    private static void normalConversation(InetSocketAddress server, String box) throws IOException {
        try (LmtpClient c = LmtpClient.connect(server, Duration.ofSeconds(10))) {
            assertEquals(220, c.readReply().code());
            assertEquals(250, c.command("LHLO calm.invalid").code());
            assertEquals(250, c.command("NOOP").code());
            assertEquals(250, c.command("MAIL FROM:<a@x>").code());
            assertEquals(250, c.command("RCPT TO:<" + box + ">").code());
            assertEquals(354, c.command("DATA").code());
            c.write("Subject: still served\r\n\r\nhello\r\n.\r\n").flush();
            assertEquals(250, c.readReply().code());
            assertEquals(221, c.command("QUIT").code());
        }
    }

    @Test
    void aClientThatNeverReadsItsRepliesIsThrottledNotBuffered() throws Exception {
        // No error limit here: only the write-side backpressure stands between the flood and the heap.
        spool = new Spool(dir.resolve("flood"), LmtpServerConfig.loopback(0).withMaxErrors(Integer.MAX_VALUE)
                .withIdleTimeout(Duration.ofSeconds(3)));
        long total = 32L << 20; // bare CRLFs: each one is worth a ~40-byte 500 reply, so ~640 MB of replies unthrottled
        AtomicLong written = new AtomicLong();
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Socket flooder = new Socket();
        flooder.setReceiveBufferSize(4096); // before connect: small windows, so the kernel absorbs little of either side
        flooder.setSendBufferSize(16 * 1024);
        flooder.connect(spool.server.address(), 5000);
        Thread writer = flood(flooder, total, written, ended);
        try {
            Spool.await(() -> written.get() > 0, Duration.ofSeconds(5), "the flood starts");
            Thread.sleep(500);
            normalConversation("calm"); // served while the flood is stalled, not after it
            assertEquals(1, spool.files("calm", "new").size());
            long stalled = written.get();
            System.out.println("flood: the server stopped reading after " + stalled + " bytes (kernel buffers included)");
            assertTrue(stalled < total, "the server stopped reading the flood: " + stalled + " of " + total + " bytes taken");
            assertTrue(writer.isAlive(), "the flooder is blocked, not done: " + ended.get());
            // Its replies go unread for an idle period: the server gives up on it and frees the slot.
            Spool.await(() -> spool.server.sessions() == 0, Duration.ofSeconds(15), "the stalled flooder is closed");
            writer.join(Duration.ofSeconds(10));
            assertFalse(writer.isAlive(), "the flooder's writes fail once it is closed");
            assertTrue(written.get() < total, "it never got the whole flood in: " + written.get());
            assertNotNull(ended.get(), "its writes ended with an error");
        } finally {
            if (!flooder.isClosed()) {
                flooder.setSoLinger(true, 0);
                flooder.close();
            }
            writer.join(Duration.ofSeconds(10));
        }
        normalConversation("after");
        assertEquals(1, spool.files("after", "new").size(), "and the server still serves");
    }

    /** Starts {@code flooder} writing {@code total} bytes of bare CRLFs on a virtual thread; it never reads. */
    private static Thread flood(Socket flooder, long total, AtomicLong written, AtomicReference<Throwable> ended) {
        return Thread.ofVirtual().start(() -> {
            byte[] chunk = "\r\n".repeat(32 * 1024).getBytes(US_ASCII);
            try (OutputStream o = flooder.getOutputStream()) {
                while (written.get() < total) {
                    o.write(chunk);
                    written.addAndGet(chunk.length);
                }
            } catch (Throwable t) {
                ended.set(t);
            }
        });
    }

    @Test
    void aReplyFloodDoesNotExhaustASmallHeap() throws Exception {
        // The server in a child JVM with 64 MB of heap and no error limit: 32 MB of CRLFs would be ~640 MB of queued replies.
        Path root = dir.resolve("child");
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        Process server = new ProcessBuilder(javaBin, "-Xmx64m", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                MailSpool.class.getName(), "lmtp", "--root", root.toString(), "--listen", "127.0.0.1:0",
                "--max-errors", "2000000000", "--idle-timeout", "60s")
                .redirectErrorStream(true).start();
        Socket flooder = new Socket();
        AtomicLong written = new AtomicLong();
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread writer = null;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            Matcher m = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)").matcher(String.valueOf(first));
            assertTrue(m.find(), "the child server starts: " + first);
            List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread.ofVirtual().start(() -> out.lines().forEach(l -> {
                log.add(l);
                System.out.println("[child lmtp] " + l);
            }));
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
            long total = 32L << 20;
            flooder.setReceiveBufferSize(4096);
            flooder.setSendBufferSize(16 * 1024);
            flooder.connect(at, 5000);
            writer = flood(flooder, total, written, ended);
            Spool.await(() -> written.get() > 0, Duration.ofSeconds(5), "the flood starts");
            Thread.sleep(3000); // unthrottled, the child ran out of heap within a second or two of this
            for (int i = 0; i < 3; i++) {
                normalConversation(at, "calm"); // served while the flood is stalled, not after it
            }
            assertTrue(written.get() < total, "the flood was not swallowed: " + written.get() + " of " + total);
            assertTrue(writer.isAlive(), "the flooder is blocked: " + ended.get());
            assertTrue(server.isAlive(), "the child survived");
            assertTrue(log.stream().noneMatch(l -> l.contains("OutOfMemoryError")), "no OutOfMemoryError: " + log);
            try (var files = Files.list(root.resolve("calm/new"))) {
                assertEquals(3, files.count());
            }
            // SIGTERM in this state (a flooder blocked mid-stream, its session throttled): the server still exits cleanly.
            server.destroy();
            assertTrue(server.waitFor(20, TimeUnit.SECONDS), "SIGTERM ends the server while a flood is stalled: " + log);
            assertTrue(log.stream().noneMatch(l -> l.contains("OutOfMemoryError")), "no OutOfMemoryError at shutdown either: " + log);
        } finally {
            if (!flooder.isClosed()) {
                flooder.setSoLinger(true, 0);
                flooder.close();
            }
            if (writer != null) writer.join(Duration.ofSeconds(10));
            server.destroy(); // SIGTERM: its shutdown hook closes the server and the store
            if (!server.waitFor(20, TimeUnit.SECONDS)) server.destroyForcibly();
        }
    }

    @Test
    void tooManyErrorsEndTheSession() throws Exception {
        spool = new Spool(dir.resolve("errors"), LmtpServerConfig.loopback(0));
        try (LmtpClient c = spool.session()) {
            c.write("\r\n".repeat(25)).flush(); // one write: the server reads all of it, so it closes with FIN, not RST
            List<Reply> r = replies(c, 21);
            for (Reply x : r.subList(0, 20)) assertEquals(500, x.code(), r.toString());
            assertTrue(r.get(20).text().startsWith("421 4.7.0"), r.get(20).text());
            assertTrue(c.closedByServer(Duration.ofSeconds(5)), "closed after the 421");
        }
        Spool.await(() -> spool.server.sessions() == 0, Duration.ofSeconds(5), "the session ends");
        normalConversation("next"); // others are served (it asserts every reply)
    }

    @Test
    void aFloodOfEmptyLinesEndsAtTheErrorLimit() throws Exception {
        spool = new Spool(dir.resolve("flood-default"), LmtpServerConfig.loopback(0));
        byte[] flood = "\r\n".repeat(1 << 20).getBytes(US_ASCII); // 2 MB
        try (Socket s = new Socket()) {
            s.connect(spool.server.address(), 5000);
            s.setSoTimeout(10_000);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    s.getOutputStream().write(flood);
                } catch (IOException expected) {
                    // the server closed on us: that is the point
                }
            });
            byte[] all = s.getInputStream().readAllBytes(); // until the server closes (or resets)
            String text = new String(all, US_ASCII);
            assertTrue(text.contains("421 4.7.0"), "ended with 421 4.7.0: " + text.substring(Math.max(0, text.length() - 200)));
            assertTrue(text.split("\r\n").length <= 2 + 20, "the greeting, 20 errors and the 421 at most: " + text.length() + " bytes");
            writer.join(Duration.ofSeconds(10));
        } catch (java.net.SocketException reset) {
            // a reset (unread flood in the server's socket when it closed) ends it too; the limit is asserted below
        }
        Spool.await(() -> spool.server.sessions() == 0, Duration.ofSeconds(5), "the flooder is gone");
        normalConversation("next"); // others are served (it asserts every reply)
    }

    @Test
    void dataThatTakesTooLongIsDroppedWith421() throws Exception {
        spool = new Spool(dir.resolve("slow"), LmtpServerConfig.loopback(0).withMaxDataTime(Duration.ofMillis(700)));
        try (LmtpClient c = spool.session()) {
            c.write("MAIL FROM:<a@x>\r\nRCPT TO:<slow>\r\nDATA\r\n").flush();
            assertEquals(List.of(250, 250, 354), replies(c, 3).stream().map(Reply::code).toList());
            long t0 = System.nanoTime();
            c.write("Subject: drip\r\n\r\nfirst line\r\n").flush();
            Reply r = c.readReply();
            assertNotNull(r, "a reply, not just a close");
            assertTrue(r.text().startsWith("421 4.4.2"), r.text());
            assertTrue(System.nanoTime() - t0 >= 400_000_000L, "not before the limit");
            assertTrue(c.closedByServer(Duration.ofSeconds(5)));
        }
        Spool.await(() -> spool.server.messagesInFlight() == 0 && spool.server.sessions() == 0, Duration.ofSeconds(10), "the message is dropped");
        assertEquals(List.of(), spool.files("slow", "new"));
        assertEquals(List.of(), spool.shadows(), "no shadow left behind");
        // A prompt message is not affected by the limit.
        normalConversation("prompt"); // asserts every reply
        assertEquals(1, spool.files("prompt", "new").size());
    }

    @Test
    void aFailedDeliveryNamesNoPathAndNoClass() throws Exception {
        spool = new Spool(dir.resolve("leak"), LmtpServerConfig.loopback(0));
        Files.writeString(spool.root.resolve("blocked"), "a file where the mailbox directory would be\n");
        try (LmtpClient c = spool.session()) {
            List<Reply> r = c.send("a@x", List.of("blocked"), "hello\n".getBytes(US_ASCII));
            assertEquals(1, r.size(), r.toString());
            Reply x = r.getFirst();
            assertTrue(x.code() >= 400 && x.code() < 500, "temporary: " + x);
            assertFalse(x.text().contains(spool.root.toString()), "no spool path: " + x);
            assertFalse(x.text().contains(dir.toString()), "no path at all: " + x);
            assertFalse(x.text().contains("Exception"), "no exception class: " + x);
            assertFalse(x.text().contains("io.txring"), "no package name: " + x);
            assertEquals(250, c.command("NOOP").code(), "the session goes on");
        }
    }

    @Test
    void tooManySessionsFromOneAddress() throws Exception {
        spool = new Spool(dir.resolve("per-address"), LmtpServerConfig.loopback(0).withMaxSessionsPerAddress(2));
        try (LmtpClient a = spool.session(); LmtpClient b = spool.session(); LmtpClient c = spool.connect()) {
            Reply refused = c.readReply();
            assertEquals(421, refused.code());
            assertTrue(refused.text().startsWith("421 4.7.0"), refused.text());
            assertTrue(c.closedByServer(Duration.ofSeconds(5)));
            assertEquals(250, a.command("NOOP").code(), "the admitted sessions go on");
            assertEquals(250, b.command("NOOP").code());
        }
        Spool.await(() -> spool.server.sessions() == 0, Duration.ofSeconds(5), "sessions end");
        try (LmtpClient d = spool.session(); LmtpClient e = spool.session()) {
            assertEquals(250, d.command("NOOP").code(), "the address's slots are free again");
            assertEquals(250, e.command("NOOP").code());
        }
    }

    @Test
    void theNewLimitsAreChecked() {
        LmtpServerConfig c = LmtpServerConfig.loopback(0);
        assertEquals(20, c.maxSessionsPerAddress());
        assertEquals(20, c.maxErrors());
        assertEquals(Duration.ofMinutes(10), c.maxDataTime());
        assertThrows(IllegalArgumentException.class, () -> c.withMaxSessionsPerAddress(0));
        assertThrows(IllegalArgumentException.class, () -> c.withMaxErrors(0));
        assertThrows(IllegalArgumentException.class, () -> c.withMaxDataTime(Duration.ZERO));
    }
}
