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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LMTP conversations over real loopback sockets with a real spool behind the server. */
class LmtpConversationTest {
    @TempDir Path dir;
    Spool spool;

    @BeforeEach
    void start() throws IOException {
        spool = new Spool(dir.resolve("spool"), LmtpServerConfig.loopback(0).withMaxMessageSize(256 * 1024));
    }

    @AfterEach
    void stop() {
        spool.close();
    }

    private static List<Reply> replies(LmtpClient c, int n) throws IOException {
        List<Reply> r = new ArrayList<>();
        for (int i = 0; i < n; i++) r.add(c.readReply());
        return r;
    }

    @Test
    void theWholeCommandSet() throws Exception {
        try (LmtpClient c = spool.connect()) {
            Reply greeting = c.readReply();
            assertEquals(220, greeting.code());
            assertEquals(500, c.command("HELO me").code(), "LMTP refuses HELO");
            assertEquals(500, c.command("EHLO me").code(), "LMTP refuses EHLO");
            assertEquals(501, c.command("LHLO").code(), "LHLO needs a domain");
            Reply lhlo = c.command("LHLO client.invalid");
            assertEquals(250, lhlo.code());
            assertTrue(lhlo.lines().contains("250-PIPELINING"), lhlo.toString());
            assertTrue(lhlo.lines().contains("250-ENHANCEDSTATUSCODES"), lhlo.toString());
            assertTrue(lhlo.lines().contains("250-8BITMIME"), lhlo.toString());
            assertEquals("250 SIZE " + (256 * 1024), lhlo.text());
            assertEquals("250 2.0.0 Ok", c.command("NOOP").text());
            assertEquals(252, c.command("VRFY alice").code());
            assertEquals(500, c.command("BOGUS").code());
            assertEquals("250 2.1.0 Sender ok", c.command("MAIL FROM:<sender@example.org> BODY=8BITMIME SIZE=100").text());
            assertEquals("250 2.1.5 Recipient ok", c.command("RCPT TO:<Alice@Example.org>").text());
            assertEquals(250, c.command("RSET").code());
            assertEquals(503, c.command("RCPT TO:<alice>").code(), "RSET dropped the sender");
            assertEquals(250, c.command("MAIL FROM:<>").code(), "the null sender (bounces) is accepted");
            assertEquals(250, c.command("RCPT TO:<alice@example.org>").code());
            assertEquals(250, c.command("RCPT TO:<bob>").code());
            assertEquals(354, c.command("DATA").code());
            c.write("Subject: all of it\r\n\r\nhello\r\n.\r\n").flush();
            List<Reply> r = replies(c, 2);
            assertTrue(r.get(0).text().startsWith("250 2.0.0 <alice@example.org>"), r.toString());
            assertTrue(r.get(1).text().startsWith("250 2.0.0 <bob>"), r.toString());
            assertEquals(221, c.command("QUIT").code());
            assertTrue(c.closedByServer(Duration.ofSeconds(5)), "QUIT closes the connection");
        }
        assertEquals(1, spool.files("alice", "new").size());
        assertEquals("Subject: all of it\n\nhello\n", Files.readString(spool.files("bob", "new").getFirst()));
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws Exception {
        try (LmtpClient c = spool.session()) {
            // One write: two whole transactions and a NOOP, the second message after the first's DATA.
            c.write("MAIL FROM:<a@x>\r\nRCPT TO:<p1>\r\nRCPT TO:<../evil>\r\nRCPT TO:<p2>\r\nDATA\r\n"
                    + "first\r\n.\r\n"
                    + "MAIL FROM:<a@x>\r\nRCPT TO:<p1>\r\nDATA\r\nsecond\r\n.\r\nNOOP\r\nRSET\r\n").flush();
            List<Integer> codes = replies(c, 13).stream().map(Reply::code).toList();
            assertEquals(List.of(250, 250, 550, 250, 354, 250, 250, 250, 250, 354, 250, 250, 250), codes);
        }
        assertEquals(2, spool.files("p1", "new").size());
        assertEquals(1, spool.files("p2", "new").size());
    }

    @Test
    void dotStuffingAndBareLineFeeds() throws Exception {
        try (LmtpClient c = spool.session()) {
            c.write("MAIL FROM:<a@x>\r\nRCPT TO:<dots>\r\nDATA\r\n").flush();
            assertEquals(List.of(250, 250, 354), replies(c, 3).stream().map(Reply::code).toList());
            // A stuffed dot, a line of two dots, a bare LF line, a lone CR inside a line, a '.' not at a line start.
            c.write("..leading dot\r\n...\r\nbare\nlf\r\ncr\rinside\r\nend.\r\n.\r\n").flush();
            assertEquals(250, c.readReply().code());
            // A bare-LF dot is content, not the end (RFC 5321 §4.1.1.4): no second message is smuggled inside the first.
            c.write("MAIL FROM:<a@x>\r\nRCPT TO:<dots>\r\nDATA\r\n").flush();
            assertEquals(List.of(250, 250, 354), replies(c, 3).stream().map(Reply::code).toList());
            c.write("hi\n.\nMAIL FROM:<boss@corp.test>\r\nRCPT TO:<erin>\r\nDATA\r\nforged\r\n.\r\n").flush();
            assertEquals(250, c.readReply().code(), "one message, one reply");
            assertEquals(250, c.command("NOOP").code(), "and nothing else was answered before it");
        }
        List<String> bodies = new ArrayList<>();
        for (Path p : spool.files("dots", "new")) bodies.add(Files.readString(p, US_ASCII));
        assertTrue(bodies.contains(".leading dot\n..\nbare\nlf\ncr\rinside\nend.\n"), bodies.toString());
        assertTrue(bodies.contains("hi\n.\nMAIL FROM:<boss@corp.test>\nRCPT TO:<erin>\nDATA\nforged\n"), bodies.toString());
        assertFalse(Files.exists(spool.root.resolve("erin")), "no forged delivery to erin");
        for (Path p : spool.files("dots", "new")) {
            assertEquals(Files.size(p), MaildirName.sizeOf(p.getFileName().toString()).orElseThrow(), "S= is the stored size");
        }
    }

    @Test
    void aOneMegabyteLine() throws Exception {
        String mb = "x".repeat(1 << 20);
        try (LmtpClient c = spool.session()) {
            Reply tooLong = c.command("NOOP " + mb);
            assertEquals(500, tooLong.code());
            assertTrue(tooLong.text().startsWith("500 5.5.2"), tooLong.text());
            assertEquals(250, c.command("NOOP").code(), "the session goes on after an over-long line");
            // Inside DATA a long line is content, streamed, not a protocol error.
            c.write("MAIL FROM:<a@x>\r\nRCPT TO:<long>\r\nDATA\r\n").flush();
            assertEquals(List.of(250, 250, 354), replies(c, 3).stream().map(Reply::code).toList());
            c.write(mb.substring(0, 200_000) + "\r\n.\r\n").flush();
            assertEquals(250, c.readReply().code());
        }
        assertEquals(200_001, Files.size(spool.files("long", "new").getFirst()));
    }

    @Test
    void aClientThatDisconnectsMidDataLeavesNothing() throws Exception {
        try (LmtpClient c = spool.session()) {
            c.write("MAIL FROM:<a@x>\r\nRCPT TO:<gone1>\r\nRCPT TO:<gone2>\r\nDATA\r\n").flush();
            assertEquals(List.of(250, 250, 250, 354), replies(c, 4).stream().map(Reply::code).toList());
            c.write("Subject: half\r\n\r\n" + "some content\r\n".repeat(20_000)).flush();
            Spool.await(() -> !spool.files0("gone1", "tmp").isEmpty(), Duration.ofSeconds(10), "the shadow is being written in tmp/");
            c.socket().setSoLinger(true, 0); // an abrupt reset, not a polite close
        }
        Spool.await(() -> spool.server.messagesInFlight() == 0 && spool.server.sessions() == 0, Duration.ofSeconds(10), "the session ends");
        assertEquals(List.of(), spool.files("gone1", "new"));
        assertEquals(List.of(), spool.files("gone2", "new"));
        assertEquals(List.of(), spool.files("gone1", "tmp"), "the aborted transaction removed its shadow");
        assertEquals(List.of(), spool.shadows());
    }

    @Test
    void anOversizeMessageIsRefusedWith552() throws Exception {
        try (LmtpClient c = spool.session()) {
            Reply declared = c.command("MAIL FROM:<a@x> SIZE=" + (1 << 20));
            assertEquals(552, declared.code());
            assertTrue(declared.text().startsWith("552 5.3.4"), declared.text());
            c.write("MAIL FROM:<a@x>\r\nRCPT TO:<big1>\r\nRCPT TO:<big2>\r\nDATA\r\n").flush();
            assertEquals(List.of(250, 250, 250, 354), replies(c, 4).stream().map(Reply::code).toList());
            c.write("y".repeat(100).concat("\r\n").repeat(5000) + ".\r\n").flush(); // ~500 KB > 256 KiB
            List<Reply> r = replies(c, 2);
            for (Reply x : r) assertTrue(x.text().startsWith("552 5.3.4"), r.toString());
            assertEquals(250, c.command("NOOP").code(), "the session goes on");
        }
        Spool.await(() -> spool.server.messagesInFlight() == 0, Duration.ofSeconds(10), "the refused message is discarded");
        assertEquals(List.of(), spool.files("big1", "new"));
        assertEquals(List.of(), spool.files("big2", "new"));
        assertEquals(List.of(), spool.shadows());
    }

    @Test
    void commandsOutOfSequence() throws Exception {
        try (LmtpClient c = spool.connect()) {
            assertEquals(220, c.readReply().code());
            assertEquals(503, c.command("MAIL FROM:<a@x>").code(), "MAIL before LHLO");
            assertEquals(250, c.command("LHLO x").code());
            assertEquals(503, c.command("DATA").code(), "DATA before MAIL");
            assertEquals(503, c.command("RCPT TO:<alice>").code(), "RCPT before MAIL");
            assertEquals(501, c.command("MAIL alice").code(), "MAIL without FROM:");
            assertEquals(501, c.command("MAIL FROM:alice").code(), "a path without brackets");
            assertEquals(555, c.command("MAIL FROM:<a@x> FOO=1").code(), "an unknown parameter");
            assertEquals(250, c.command("MAIL FROM:<a@x>").code());
            assertEquals(503, c.command("MAIL FROM:<a@x>").code(), "nested MAIL");
            assertEquals(503, c.command("DATA").code(), "DATA before any RCPT");
            for (String bad : List.of("<.hidden>", "<a/b>", "<" + "a".repeat(65) + ">", "<x\u0001y>", "<>", "<@>")) {
                Reply r = c.command("RCPT TO:" + bad);
                assertTrue(r.code() == 550 || r.code() == 501 || r.code() == 500, bad + " → " + r);
            }
            Reply invalid = c.command("RCPT TO:<..@example.org>");
            assertEquals(550, invalid.code());
            assertTrue(invalid.text().startsWith("550 5.1.1"), invalid.text());
            assertEquals(503, c.command("DATA").code(), "no valid recipient yet");
            assertEquals(501, c.command("RSET now").code());
        }
        try (var s = Files.list(spool.root)) {
            assertEquals(List.of(".txring"), s.map(p -> p.getFileName().toString()).toList(), "no mailbox was created");
        }
    }

    @Test
    void tooManySessions() throws Exception {
        spool.close();
        spool = new Spool(dir.resolve("limited"), LmtpServerConfig.loopback(0).withMaxSessions(2));
        try (LmtpClient a = spool.session(); LmtpClient b = spool.session(); LmtpClient c = spool.connect()) {
            Reply refused = c.readReply();
            assertEquals(421, refused.code());
            assertTrue(refused.text().startsWith("421 4.3.2"), refused.text());
            assertTrue(c.closedByServer(Duration.ofSeconds(5)));
            assertEquals(250, a.command("NOOP").code(), "the admitted sessions go on");
            assertEquals(250, b.command("NOOP").code());
        }
        Spool.await(() -> spool.server.sessions() == 0, Duration.ofSeconds(5), "sessions end");
        try (LmtpClient d = spool.session()) {
            assertEquals(250, d.command("NOOP").code(), "a slot is free again");
        }
    }

    @Test
    void anIdleClientIsClosed() throws Exception {
        spool.close();
        spool = new Spool(dir.resolve("idle"), LmtpServerConfig.loopback(0).withIdleTimeout(Duration.ofMillis(500)));
        try (LmtpClient c = spool.session()) {
            long t0 = System.nanoTime();
            Reply r = c.readReply();
            assertEquals(421, r.code());
            assertTrue(r.text().startsWith("421 4.4.2"), r.text());
            assertTrue(System.nanoTime() - t0 >= 300_000_000L, "not before the timeout");
            assertTrue(c.closedByServer(Duration.ofSeconds(5)));
        }
    }

    @Test
    void onlyLoopbackByDefault() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> LmtpServerConfig.loopback(0).withListen(new InetSocketAddress("0.0.0.0", 0), false));
        assertTrue(e.getMessage().contains("loopback"), e.getMessage());
    }

    @Test
    void garbageAndResetsDoNotHurtTheServer() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket("127.0.0.1", spool.server.address().getPort())) {
                OutputStream o = s.getOutputStream();
                byte[] junk = new byte[4096];
                new java.util.Random(i).nextBytes(junk);
                o.write(junk);
                o.flush();
                s.setSoLinger(true, 0);
            }
        }
        // Until the server has accepted and then seen the resets of all twenty, they count against the address's limit
        // of 20 sessions: a "421 4.7.0 … try again later" is right then, and a client tries again, as this one does.
        long until = System.nanoTime() + 10_000_000_000L;
        for (;;) {
            try (LmtpClient c = spool.session()) {
                assertEquals(1, c.send("a@x", List.of("survivor"), "still here\n".getBytes(US_ASCII)).size());
                break;
            } catch (IOException e) {
                if (!e.getMessage().contains("421 4.7.0") || System.nanoTime() > until) throw e;
                Thread.sleep(20);
            }
        }
        assertEquals(1, spool.files("survivor", "new").size());
    }
}
