package io.txring.mailspool.lmtp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The framing alone, fed one byte at a time: chunk boundaries must not change what comes out. */
class LmtpFramingTest {
    /** What the framing makes of {@code wire}, fed {@code step} bytes at a time (also the fuzz pass's oracle). */
    static List<String> frames(String wire, int step) {
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

    @Test
    void sameFramesWhateverTheChunking() {
        String wire = "LHLO x\r\nDATA\r\n..a\r\n.\rb\r\nc\rd\ne\r\n\r\n.\r\nNOOP\r\n" + "z".repeat(600) + "\r\nDATA\n.\r\nQUIT\n";
        List<String> expected = List.of("CMD LHLO x", "CMD DATA", "DATA[.a\n\rb\nc\rd\ne\n\n]", "CMD NOOP", "TOOLONG", "CMD DATA", "DATA[]", "CMD QUIT");
        for (int step : new int[] {1, 2, 3, 7, 64, 10_000}) assertEquals(expected, frames(wire, step), "step " + step);
    }

    /** RFC 5321 §4.1.1.4: only CRLF "." CRLF ends the data; every bare-LF or bare-CR variant of it is content. */
    @Test
    void noBareLineEndDotEndsTheData() {
        String wire = "DATA\r\nhi\n.\nMAIL FROM:<boss@corp.test>\r\nRCPT TO:<erin>\r\n"
                + "x\r\n.\nDATA\r\ny\r.\r\nz\n.\r\nw\r\n.\r\nQUIT\r\n";
        List<String> expected = List.of("CMD DATA",
                "DATA[hi\n.\nMAIL FROM:<boss@corp.test>\nRCPT TO:<erin>\nx\n.\nDATA\ny\r.\nz\n.\nw\n]", "CMD QUIT");
        for (int step : new int[] {1, 2, 5, 10_000}) assertEquals(expected, frames(wire, step), "step " + step);
    }
}
