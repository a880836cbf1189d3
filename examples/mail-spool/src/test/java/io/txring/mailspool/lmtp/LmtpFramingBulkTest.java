package io.txring.mailspool.lmtp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The line-at-a-time content decoder against what the byte-at-a-time one did: the same
 * bytes whatever the read boundaries (a '.' line, a CRLF, the CRLF "." CRLF cut anywhere),
 * lines longer than the content buffer, and content handed on in whole-buffer frames.
 */
class LmtpFramingBulkTest {
    /**
     * Frames of {@code wire} fed in pieces ending at {@code cuts}; "CONTENT n" records each
     * content frame's size, "LAST n" one the framing says the end of data follows at once.
     */
    static List<String> frames(byte[] wire, int... cuts) {
        return frames(LmtpFraming.CHUNK, wire, cuts);
    }

    /** As {@link #frames(byte[], int...)} with content frames of at most {@code chunk} bytes. */
    static List<String> frames(int chunk, byte[] wire, int... cuts) {
        LmtpFraming f = new LmtpFraming(ByteBufAllocator.DEFAULT, 512, chunk);
        List<String> out = new ArrayList<>();
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int to = k < cuts.length ? cuts[k] : wire.length;
            f.add(Unpooled.wrappedBuffer(wire, from, to - from));
            from = to;
            for (Frame fr; (fr = f.next()) != null; ) {
                switch (fr) {
                    case Frame.Command c -> {
                        out.add("CMD " + c.line());
                        if (c.line().equals("DATA")) f.beginData();
                    }
                    case Frame.LineTooLong t -> out.add("TOOLONG");
                    case Frame.Content c -> {
                        int n = c.bytes().readableBytes();
                        assertTrue(n > 0 && n <= chunk, "a content frame is 1.." + chunk + " bytes: " + n);
                        out.add((f.endOfDataNext() ? "LAST " : "CONTENT ") + n);
                        byte[] b = new byte[n];
                        c.bytes().readBytes(b);
                        content.writeBytes(b);
                        c.bytes().release();
                    }
                    case Frame.EndOfData e -> {
                        out.add("DATA[" + content.toString(ISO_8859_1) + "]");
                        content.reset();
                    }
                }
            }
        }
        f.release();
        return out;
    }

    static List<String> frames(String wire, int... cuts) {
        return frames(wire.getBytes(ISO_8859_1), cuts);
    }

    /** Cut points every {@code step} bytes. */
    static int[] every(int step, int length) {
        List<Integer> cuts = new ArrayList<>();
        for (int c = step; c < length; c += step) cuts.add(c);
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Only the frames that say something about the protocol: content frame sizes depend on the buffer, not the bytes. */
    static List<String> protocol(List<String> frames) {
        return frames.stream().filter(s -> !isContent(s)).toList();
    }

    static boolean isContent(String frame) {
        return frame.startsWith("CONTENT ") || frame.startsWith("LAST ");
    }

    /**
     * The byte-at-a-time decoder this framing replaced, kept as the oracle: content of a
     * DATA body up to and including its CRLF "." CRLF, or null if the wire holds no end.
     */
    static String reference(String body) {
        StringBuilder out = new StringBuilder();
        int at = 0; // 0 line start, 1 dot, 2 dot CR, 3 middle, 4 CR
        for (int i = 0; i < body.length(); i++) {
            char b = body.charAt(i);
            switch (at) {
                case 0 -> { if (b == '.') at = 1; else at = middle(out, b); }
                case 1 -> {
                    if (b == '\r') at = 2;
                    else if (b == '\n') { out.append('.'); at = middle(out, b); }
                    else at = middle(out, b);
                }
                case 2 -> {
                    if (b == '\n') return out.toString();
                    out.append('\r');
                    at = 3;
                    i--;
                }
                case 3 -> at = middle(out, b);
                default -> {
                    if (b == '\n') { out.append('\n'); at = 0; }
                    else { out.append('\r'); at = 3; i--; }
                }
            }
        }
        return null;
    }

    private static int middle(StringBuilder out, char b) {
        if (b == '\r') return 4;
        out.append(b);
        return 3;
    }

    @Test
    void aDotLineSplitAcrossReads() {
        String wire = "DATA\r\n..stuffed\r\n.\rcr\r\n.\nbare\r\n...\r\n.x\r\nend\r\n.\r\nNOOP\r\n";
        List<String> expected = List.of("CMD DATA", "DATA[.stuffed\n\rcr\n.\nbare\n..\nx\nend\n]", "CMD NOOP");
        assertEquals(expected, protocol(frames(wire)));
        byte[] bytes = wire.getBytes(ISO_8859_1);
        for (int cut = 1; cut < bytes.length; cut++) {
            assertEquals(expected, protocol(frames(bytes, cut)), "one cut at " + cut);
            for (int second = cut + 1; second < bytes.length; second++) {
                assertEquals(expected, protocol(frames(bytes, cut, second)), "cuts at " + cut + " and " + second);
            }
        }
    }

    @Test
    void theEndCutAtEveryBytePosition() {
        String wire = "DATA\r\nlast line\r\n.\r\nQUIT\r\n";
        List<String> expected = List.of("CMD DATA", "DATA[last line\n]", "CMD QUIT");
        byte[] bytes = wire.getBytes(ISO_8859_1);
        int end = wire.indexOf("\r\n.\r\n");
        for (int cut = 1; cut < bytes.length; cut++) assertEquals(expected, protocol(frames(bytes, cut)), "cut at " + cut);
        // every way to cut the five bytes of CRLF "." CRLF into up to five reads
        for (int mask = 0; mask < 16; mask++) {
            List<Integer> cuts = new ArrayList<>();
            for (int k = 0; k < 4; k++) if ((mask & 1 << k) != 0) cuts.add(end + 1 + k);
            assertEquals(expected, protocol(frames(bytes, cuts.stream().mapToInt(Integer::intValue).toArray())), "cuts " + cuts);
        }
    }

    @Test
    void aLineLongerThanTheContentBuffer() {
        int n = 3 * LmtpFraming.CHUNK + 12_345;
        StringBuilder line = new StringBuilder(n);
        for (int i = 0; i < n; i++) line.append(i % 1000 == 999 ? '\r' : (char) ('a' + i % 26)); // lone CRs inside stay content
        String wire = "DATA\r\n" + line + "\r\n.\r\nQUIT\r\n";
        String stored = line + "\n";
        byte[] bytes = wire.getBytes(ISO_8859_1);
        for (int step : new int[] {4096, 65_536, 100_003, bytes.length}) {
            List<Integer> cuts = new ArrayList<>();
            for (int c = step; c < bytes.length; c += step) cuts.add(c);
            List<String> out = frames(bytes, cuts.stream().mapToInt(Integer::intValue).toArray());
            assertEquals(List.of("CMD DATA", "DATA[" + stored + "]", "CMD QUIT"), protocol(out), "step " + step);
            long chunks = out.stream().filter(LmtpFramingBulkTest::isContent).count();
            assertTrue(chunks >= 4, "streamed in buffer-sized frames, not held whole: " + chunks + " frames at step " + step);
        }
    }

    @Test
    void aMessageThatFitsIsOneContentFrameHoweverItArrives() {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 60; i++) body.append(i % 7 == 0 ? ".." : "").append("line ").append(i).append(" of the message\r\n");
        String wire = "DATA\r\n" + body + ".\r\nNOOP\r\n";
        for (int step : new int[] {1, 2, 3, 50, 4096}) {
            List<Integer> cuts = new ArrayList<>();
            for (int c = step; c < wire.length(); c += step) cuts.add(c);
            List<String> out = frames(wire, cuts.stream().mapToInt(Integer::intValue).toArray());
            assertEquals(1, out.stream().filter(LmtpFramingBulkTest::isContent).count(), "step " + step + ": " + out);
            assertTrue(out.get(1).startsWith("LAST "), "the end follows the one frame: " + out);
            assertEquals(List.of("CMD DATA", "DATA[" + reference(body + ".\r\n") + "]", "CMD NOOP"), protocol(out));
        }
    }

    @Test
    void contentExactlyAtTheBufferSize() {
        for (int size : new int[] {LmtpFraming.CHUNK - 3, LmtpFraming.CHUNK - 2, LmtpFraming.CHUNK - 1, LmtpFraming.CHUNK,
                LmtpFraming.CHUNK + 1, 2 * LmtpFraming.CHUNK}) {
            String body = "y".repeat(size - 1) + "\r\n"; // stored as size bytes
            String wire = "DATA\r\n" + body + ".\r\nNOOP\r\n";
            for (int step : new int[] {1000, wire.length() - 3, wire.length() - 4, wire.length()}) {
                List<String> out = frames(wire, every(step, wire.length()));
                assertEquals(List.of("CMD DATA", "DATA[" + "y".repeat(size - 1) + "\n]", "CMD NOOP"), protocol(out), "size " + size);
                if (size < LmtpFraming.CHUNK) assertEquals(List.of("LAST " + size), out.stream().filter(LmtpFramingBulkTest::isContent).toList(), "size " + size);
            }
        }
    }

    /** Every message size around tiny buffers, every read size: smaller than the buffer is one frame, the end included. */
    @Test
    void everySizeAroundTheBuffer() {
        for (int chunk = 2; chunk <= 9; chunk++) {
            for (int size = 1; size <= 3 * chunk; size++) {
                for (String shape : new String[] {"y", "."}) { // a plain last line, and one that was dot-stuffed
                    String line = shape.equals(".") ? ".." + "y".repeat(size - 2 < 0 ? 0 : size - 2) : "y".repeat(size - 1);
                    if (shape.equals(".") && size < 2) continue;
                    String stored = (shape.equals(".") ? line.substring(1) : line) + "\n";
                    String wire = "DATA\r\n" + line + "\r\n.\r\nNOOP\r\n";
                    for (int step = 1; step <= wire.length(); step++) {
                        List<String> out = frames(chunk, wire.getBytes(ISO_8859_1), every(step, wire.length()));
                        String what = "chunk " + chunk + ", size " + size + ", shape " + shape + ", step " + step + ": " + out;
                        assertEquals(List.of("CMD DATA", "DATA[" + stored + "]", "CMD NOOP"), protocol(out), what);
                        List<String> content = out.stream().filter(LmtpFramingBulkTest::isContent).toList();
                        if (stored.length() < chunk) assertEquals(List.of("LAST " + stored.length()), content, what);
                        else assertTrue(content.size() >= 2, what); // each frame's size is checked as it is taken
                    }
                }
            }
        }
    }

    @Provide
    Arbitrary<String> body() {
        Arbitrary<String> piece = Arbitraries.of("\r", "\n", "\r\n", ".", "..", "a", "xyz", "\r\n.", "\n.", ".\r", "\r\n.\r\n", "\r\n..\r\n");
        return piece.list().ofMaxSize(50).map(l -> String.join("", l));
    }

    /** Whatever the body and the reads, the content is what the byte-at-a-time decoder made of it, up to the same end. */
    @Property(tries = 2000)
    void sameContentAsTheByteWiseDecoder(@ForAll("body") String body, @ForAll @IntRange(min = 1, max = 13) int step) {
        String wire = "DATA\r\n" + body + "\r\n.\r\n";
        String expected = reference(body + "\r\n.\r\n");
        List<Integer> cuts = new ArrayList<>();
        for (int c = step; c < wire.length(); c += step) cuts.add(c);
        List<String> out = protocol(frames(wire, cuts.stream().mapToInt(Integer::intValue).toArray()));
        assertEquals("CMD DATA", out.get(0));
        assertEquals("DATA[" + expected + "]", out.get(1), () -> "wire " + wire.replace("\r", "\\r").replace("\n", "\\n"));
    }

    /**
     * Content buffers of 2 to 12 bytes put a buffer boundary everywhere: the bytes are still
     * the byte-wise decoder's, no frame exceeds the buffer, and a message smaller than the
     * buffer is one frame.
     */
    @Property(tries = 2000)
    void tinyBuffersChangeNothingButTheFrameSizes(@ForAll("body") String body, @ForAll @IntRange(min = 2, max = 12) int chunk,
                                                  @ForAll @IntRange(min = 1, max = 7) int step) {
        String wire = "DATA\r\n" + body + "\r\n.\r\nNOOP\r\n";
        String expected = reference(body + "\r\n.\r\n");
        List<String> out = frames(chunk, wire.getBytes(ISO_8859_1), every(step, wire.length()));
        assertEquals("DATA[" + expected + "]", protocol(out).get(1), () -> "wire " + wire.replace("\r", "\\r").replace("\n", "\\n"));
        List<String> content = out.stream().takeWhile(x -> !x.startsWith("DATA[")).filter(LmtpFramingBulkTest::isContent).toList();
        if (expected.isEmpty()) assertEquals(List.of(), content);
        else if (expected.length() < chunk) assertEquals(List.of("LAST " + expected.length()), content);
        else assertTrue(content.size() >= (expected.length() + chunk - 1) / chunk, out::toString);
    }
}
