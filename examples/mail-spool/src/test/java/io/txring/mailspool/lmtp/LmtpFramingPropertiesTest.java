package io.txring.mailspool.lmtp;

import static org.junit.jupiter.api.Assertions.*;

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
    @Provide
    Arbitrary<String> wire() {
        Arbitrary<String> piece = Arbitraries.of("\r", "\n", "\r\n", ".", "..", "a", "x.y", " ", "DATA\r\n", "NOOP\r\n", "\r\n.\r\n", "\n.\n");
        return piece.list().ofMaxSize(60).map(l -> String.join("", l));
    }

    @Property(tries = 2000)
    void theChunkingNeverChangesTheFrames(@ForAll("wire") String wire, @ForAll @IntRange(min = 1, max = 17) int step) {
        assertEquals(LmtpFramingTest.frames(wire, Integer.MAX_VALUE), LmtpFramingTest.frames(wire, step));
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
        List<String> out = LmtpFramingTest.frames("DATA\r\n" + body + "\r\n.\r\nQUIT\r\n", step);
        assertEquals(3, out.size(), () -> "one message, then QUIT: " + out);
        assertEquals("CMD DATA", out.get(0));
        assertTrue(out.get(1).startsWith("DATA["), out.toString());
        assertEquals("CMD QUIT", out.get(2));
    }
}
