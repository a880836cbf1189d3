package io.txring.docker.probe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The messages the probes send: their whole content follows from their id, recipients and
 * size, which the headers carry, so the auditor can tell a complete message from a torn one
 * without any record kept outside the spool.
 */
public final class TestMail {
    /** The mailboxes of the tests. */
    public static final List<String> MAILBOXES = List.of("alice", "bob", "carol", "dave");

    private TestMail() {}

    /** Two or three of {@link #MAILBOXES}, chosen by the id. */
    public static List<String> recipientsFor(String id) {
        int h = id.hashCode() & 0x7fffffff;
        int count = 2 + h % 2;
        int first = (h / 2) % MAILBOXES.size();
        List<String> to = new ArrayList<>(count);
        for (int i = 0; i < count; i++) to.add(MAILBOXES.get((first + i) % MAILBOXES.size()));
        return to;
    }

    /** A size between 1 and 16 KiB, chosen by the id. */
    public static int sizeFor(String id) {
        return 1024 + ((id.hashCode() & 0x7fffffff) % 16) * 1024;
    }

    /** The message exactly as the spool stores it (LF line ends), {@code size} bytes. */
    public static byte[] content(String id, List<String> to, int size) {
        StringBuilder b = new StringBuilder(size + 80);
        b.append("Message-ID: <").append(id).append("@txring.test>\n");
        b.append("X-Txring-Id: ").append(id).append('\n');
        b.append("X-Txring-To: ").append(String.join(",", to)).append('\n');
        b.append("X-Txring-Size: ").append(size).append('\n');
        b.append("Subject: txring docker test ").append(id).append("\n\n");
        if (b.length() + 1 > size) throw new IllegalArgumentException("size " + size + " is smaller than the headers of " + id);
        for (int line = 0; b.length() < size; line++) {
            String text = id + " line " + line + " abcdefghijklmnopqrstuvwxyz0123456789";
            int room = size - b.length() - 1; // the line's LF
            b.append(text, 0, Math.min(text.length(), room)).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The X-Txring-* headers of a stored message (empty when it has none). */
    public static Map<String, String> headers(byte[] stored) {
        Map<String, String> h = new TreeMap<>();
        String text = new String(stored, 0, Math.min(stored.length, 1024), StandardCharsets.US_ASCII);
        for (String line : text.split("\n")) {
            if (line.isEmpty()) break;
            if (line.startsWith("X-Txring-")) {
                int colon = line.indexOf(':');
                if (colon > 0) h.put(line.substring("X-Txring-".length(), colon), line.substring(colon + 1).trim());
            }
        }
        return h;
    }
}
