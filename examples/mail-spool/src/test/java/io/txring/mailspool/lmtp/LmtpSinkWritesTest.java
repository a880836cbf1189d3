package io.txring.mailspool.lmtp;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.mailspool.MailDrop;
import io.txring.mailspool.MessageSink;
import io.txring.mailspool.bench.Bench;
import io.txring.mailspool.bench.LmtpClient;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the sink sees of a message: one that fits the content buffer arrives in one piece
 * with the commit (one write to the shadow, retryable from it); a larger one streams in
 * pieces no larger than the buffer, the bytes unchanged either way.
 */
class LmtpSinkWritesTest {
    /** One message's calls: "append n" / "commit n" with the bytes, in order. */
    record Recorded(List<String> calls, byte[] bytes) {}

    private static MailDrop recording(List<Recorded> messages) {
        return recipients -> new MessageSink() {
            final List<String> calls = new ArrayList<>();
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

            @Override public void append(MemorySegment data) {
                calls.add("append " + data.byteSize());
                bytes.writeBytes(data.toArray(ValueLayout.JAVA_BYTE));
            }

            @Override public List<String> commit() { return commit(MemorySegment.NULL); }

            @Override public List<String> commit(MemorySegment last) {
                calls.add("commit " + last.byteSize());
                bytes.writeBytes(last.toArray(ValueLayout.JAVA_BYTE));
                messages.add(new Recorded(List.copyOf(calls), bytes.toByteArray()));
                return List.of("box/new/x");
            }

            @Override public void close() {}
        };
    }

    private static List<Recorded> send(byte[]... messages) throws Exception {
        List<Recorded> seen = Collections.synchronizedList(new ArrayList<>());
        try (LmtpServer server = LmtpServer.start(recording(seen), LmtpServerConfig.loopback(0));
             LmtpClient c = LmtpClient.connect(server.address(), Duration.ofSeconds(30))) {
            assertEquals(220, c.readReply().code());
            assertEquals(250, c.command("LHLO x").code());
            for (byte[] m : messages) {
                List<LmtpClient.Reply> r = c.send("a@x", List.of("box"), m);
                assertEquals(List.of(250), r.stream().map(LmtpClient.Reply::code).toList());
            }
        }
        return seen;
    }

    @Test
    void aMessageThatFitsIsOneWriteWithItsCommit() throws Exception {
        byte[] small = Bench.message(1, 4096), edge = Bench.message(2, LmtpFraming.CHUNK - 1);
        List<Recorded> seen = send(small, edge);
        assertEquals(2, seen.size());
        assertEquals(List.of("commit 4096"), seen.get(0).calls());
        assertArrayEquals(small, seen.get(0).bytes());
        assertEquals(List.of("commit " + edge.length), seen.get(1).calls());
        assertArrayEquals(edge, seen.get(1).bytes());
    }

    @Test
    void aLargerMessageStreamsInBufferSizedPieces() throws Exception {
        byte[] big = Bench.message(3, 5 * LmtpFraming.CHUNK + 777);
        byte[] dotted = ("..\r\n" + ".x\n").repeat(40_000).getBytes(US_ASCII); // dot lines and bare LFs across every piece boundary
        List<Recorded> seen = send(big, dotted);
        assertArrayEquals(big, seen.get(0).bytes());
        for (Recorded m : seen) {
            assertTrue(m.calls().size() >= 2, "streamed: " + m.calls());
            for (String call : m.calls()) {
                long n = Long.parseLong(call.substring(call.indexOf(' ') + 1));
                assertTrue(n <= LmtpFraming.CHUNK, "no piece larger than the content buffer: " + m.calls());
            }
        }
        assertEquals(("..\n" + ".x\n").repeat(40_000), new String(seen.get(1).bytes(), US_ASCII));
    }
}
