package io.txring.mailspool.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A blocking LMTP client for the bench and the tests: one socket, replies read in order.
 * Written by hand — it is thirty lines of protocol, and the point is to speak the wire
 * format exactly (pipelined writes, dot-stuffing, CRLF) rather than trust a library to.
 */
public final class LmtpClient implements AutoCloseable {
    /** One (possibly multi-line) reply: its code and its last line's text. */
    public record Reply(int code, List<String> lines) {
        public boolean positive() { return code >= 200 && code < 400; }

        public String text() { return lines.getLast(); }

        @Override
        public String toString() { return String.join(" / ", lines); }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private LmtpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    public static LmtpClient connect(InetSocketAddress address, Duration timeout) throws IOException {
        Socket s = new Socket();
        s.connect(address, (int) timeout.toMillis());
        s.setSoTimeout((int) timeout.toMillis());
        s.setTcpNoDelay(true);
        return new LmtpClient(s);
    }

    public Socket socket() { return socket; }

    /** Writes raw text (the caller's line endings) without flushing. */
    public LmtpClient write(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        return this;
    }

    public LmtpClient writeBytes(byte[] raw) throws IOException {
        out.write(raw);
        return this;
    }

    public void flush() throws IOException {
        out.flush();
    }

    /** Sends one command line and reads its reply. */
    public Reply command(String line) throws IOException {
        write(line + "\r\n").flush();
        return readReply();
    }

    /** Reads one reply; null when the server closed the connection. */
    public Reply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) {
                if (lines.isEmpty()) return null;
                throw new IOException("connection closed inside a reply: " + lines);
            }
            if (line.length() < 3) throw new IOException("not a reply line: " + line);
            lines.add(line);
            if (line.length() == 3 || line.charAt(3) == ' ') return new Reply(Integer.parseInt(line.substring(0, 3)), lines);
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        while (true) {
            int c = in.read();
            if (c < 0) return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
    }

    /** Whether the server has closed the connection (reads until EOF or {@code wait} passes). */
    public boolean closedByServer(Duration wait) throws IOException {
        socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
        try {
            while (true) {
                if (in.read() < 0) return true;
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /**
     * Sends message content as DATA's body: LF or CRLF line ends become CRLF, lines starting
     * with '.' are stuffed, a missing final line end is added, then the lone '.'.
     */
    public void writeContent(InputStream content) throws IOException {
        byte[] buf = new byte[64 * 1024];
        boolean lineStart = true;
        int last = -1;
        for (int n; (n = content.read(buf)) > 0; ) {
            for (int i = 0; i < n; i++) {
                byte c = buf[i];
                if (lineStart && c == '.') out.write('.');
                if (c == '\n' && last != '\r') out.write('\r');
                out.write(c);
                lineStart = c == '\n';
                last = c;
            }
        }
        if (!lineStart) out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * One pipelined transaction: MAIL, every RCPT and DATA in one write, then the content;
     * returns the replies after the content, one per accepted recipient. Throws when MAIL,
     * a RCPT or DATA is refused.
     */
    public List<Reply> send(String from, List<String> to, InputStream content) throws IOException {
        StringBuilder b = new StringBuilder("MAIL FROM:<").append(from).append(">\r\n");
        for (String t : to) b.append("RCPT TO:<").append(t).append(">\r\n");
        b.append("DATA\r\n");
        write(b.toString()).flush();
        Reply mail = expect(readReply(), "MAIL");
        if (!mail.positive()) throw new IOException("MAIL refused: " + mail);
        int accepted = 0;
        for (String t : to) {
            Reply r = expect(readReply(), "RCPT " + t);
            if (r.positive()) accepted++;
        }
        Reply data = expect(readReply(), "DATA");
        if (data.code() != 354) throw new IOException("DATA refused: " + data + " (" + accepted + " recipients accepted)");
        writeContent(content);
        flush();
        List<Reply> replies = new ArrayList<>(accepted);
        for (int i = 0; i < accepted; i++) replies.add(expect(readReply(), "end of DATA"));
        return replies;
    }

    public List<Reply> send(String from, List<String> to, byte[] content) throws IOException {
        return send(from, to, new ByteArrayInputStream(content));
    }

    private static Reply expect(Reply r, String after) throws IOException {
        if (r == null) throw new IOException("connection closed before the reply to " + after);
        return r;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
