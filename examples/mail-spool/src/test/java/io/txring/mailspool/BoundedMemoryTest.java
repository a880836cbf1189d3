package io.txring.mailspool;

import static org.junit.jupiter.api.Assertions.*;

import io.txring.mailspool.bench.LmtpClient;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 50 MB message through LMTP into a server running in a child JVM with a 64 MB heap:
 * the content streams into the shadow as it arrives, so it fits, and the stored file is
 * byte-identical to what was generated.
 */
class BoundedMemoryTest {
    @TempDir Path dir;

    /** 50 MB of LF-terminated text lines, made on the fly (the client never holds it either). */
    static final class Generated extends InputStream {
        private final long size;
        private long at;

        Generated(long size) { this.size = size; }

        @Override
        public int read() {
            if (at >= size) return -1;
            long i = at++;
            if (i == size - 1 || i % 100 == 99) return '\n';
            return i % 100 == 0 && (i / 100) % 7 == 0 ? '.' : 'a' + (int) (i % 26); // some lines start with '.'
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (at >= size) return -1;
            int n = (int) Math.min(len, size - at);
            for (int k = 0; k < n; k++) b[off + k] = (byte) read();
            return n;
        }
    }

    @Test
    void fiftyMegabytesThroughASixtyFourMegabyteHeap() throws Exception {
        long size = 50L << 20;
        Path root = dir.resolve("spool");
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        Process server = new ProcessBuilder(javaBin, "-Xmx64m", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                MailSpool.class.getName(), "lmtp", "--root", root.toString(), "--listen", "127.0.0.1:0", "--max-message-size", "60M")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            Matcher m = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)").matcher(String.valueOf(first));
            assertTrue(m.find(), "the child server starts: " + first);
            Thread.ofVirtual().start(() -> out.lines().forEach(l -> System.out.println("[child lmtp] " + l)));
            int port = Integer.parseInt(m.group(1));
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            try (LmtpClient c = LmtpClient.connect(new InetSocketAddress("127.0.0.1", port), Duration.ofSeconds(120))) {
                assertEquals(220, c.readReply().code());
                assertEquals(250, c.command("LHLO big.invalid").code());
                List<LmtpClient.Reply> r = c.send("a@big.invalid", List.of("big", "bigger"), new DigestInputStream(new Generated(size), sent));
                assertEquals(2, r.size());
                for (LmtpClient.Reply x : r) assertEquals(250, x.code(), x.toString());
            }
            String expected = HexFormat.of().formatHex(sent.digest());
            for (String box : List.of("big", "bigger")) {
                try (var files = Files.list(root.resolve(box + "/new"))) {
                    Path f = files.findFirst().orElseThrow();
                    assertEquals(size, Files.size(f));
                    MessageDigest stored = MessageDigest.getInstance("SHA-256");
                    try (InputStream in = new DigestInputStream(Files.newInputStream(f), stored)) {
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                    assertEquals(expected, HexFormat.of().formatHex(stored.digest()), box + ": byte-identical");
                }
            }
            assertTrue(server.isAlive(), "the child survived (no OutOfMemoryError)");
        } finally {
            server.destroy(); // SIGTERM: its shutdown hook closes the server and the store
            if (!server.waitFor(20, TimeUnit.SECONDS)) server.destroyForcibly();
        }
    }
}
