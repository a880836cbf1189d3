package io.txring.mailspool.lmtp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * A fuzz pass over the LMTP framing (jqwik, bounded tries, seeded by jqwik's database): wire
 * text built from the bytes that matter — CR, LF, '.', a letter, command words — in any
 * chunking.
 */
class LmtpFramingPropertiesTest {
    /** What the framing makes of {@code wire}, fed {@code step} bytes at a time. */
    private static List<String> frames(String wire, int step) {
        LmtpFraming f = new LmtpFraming(ByteBufAllocator.DEFAULT, 512);
        List<String> out = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        byte[] bytes = wire.getBytes(ISO_8859_1);
        for (int i = 0; i < bytes.length; i += step) {
            f.add(Unpooled.wrappedBuffer(bytes, i, Math.min(step, bytes.length - i)));
            for (Frame fr; (fr = f.next()) != null; ) {
                switch (fr) {
                    case Frame.Command c -> {
                        out.add("CMD " + c.line());
                        if (c.line().equals("DATA")) f.beginData();
                    }
                    case Frame.LineTooLong t -> out.add("TOOLONG");
                    case Frame.Content c -> {
                        content.append(c.bytes().toString(ISO_8859_1));
                        c.bytes().release();
                    }
                    case Frame.EndOfData e -> {
                        out.add("DATA[" + content + "]");
                        content.setLength(0);
                    }
                }
            }
        }
        f.release();
        return out;
    }

    @Provide
    Arbitrary<String> wire() {
        Arbitrary<String> piece = Arbitraries.of("\r", "\n", "\r\n", ".", "..", "a", "x.y", " ", "DATA\r\n", "NOOP\r\n", "\r\n.\r\n", "\n.\n");
        return piece.list().ofMaxSize(60).map(l -> String.join("", l));
    }

    @Property(tries = 2000)
    void theChunkingNeverChangesTheFrames(@ForAll("wire") String wire, @ForAll @IntRange(min = 1, max = 17) int step) {
        assertEquals(frames(wire, Integer.MAX_VALUE), frames(wire, step));
    }

    @Provide
    Arbitrary<String> body() {
        Arbitrary<String> piece = Arbitraries.of("\r", "\n", "\r\n", ".", "a", "MAIL FROM:<x@y>", "RCPT TO:<erin>", "DATA", "\n.\n", "\r.\r", ".\n");
        return piece.list().ofMaxSize(40).map(l -> String.join("", l))
                .filter(b -> !("\r\n" + b + "\r\n").contains("\r\n.\r\n")); // a body a client would have dot-stuffed
    }

    /** Whatever bare CR/LF tricks the body holds, only CRLF "." CRLF ends it: one message, and the next command after it. */
    @Property(tries = 2000)
    void noBodyEndsBeforeItsCrlfDotCrlf(@ForAll("body") String body, @ForAll @IntRange(min = 1, max = 9) int step) {
        List<String> out = frames("DATA\r\n" + body + "\r\n.\r\nQUIT\r\n", step);
        assertEquals(3, out.size(), () -> "one message, then QUIT: " + out);
        assertEquals("CMD DATA", out.get(0));
        assertTrue(out.get(1).startsWith("DATA["), out.toString());
        assertEquals("CMD QUIT", out.get(2));
    }
}
