package io.txring.mailspool.lmtp;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.txring.mailspool.MailDrop;
import io.txring.mailspool.MessageSink;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An intake started on demand: no sink is begun for a message that never had content, and nothing handed over leaks. */
class MessageIntakeOnDemandTest {
    private final AtomicInteger begun = new AtomicInteger();
    private final List<String> calls = new CopyOnWriteArrayList<>();

    private MailDrop recording() {
        return recipients -> {
            begun.incrementAndGet();
            return new MessageSink() {
                @Override public void append(MemorySegment data) { calls.add("append " + new String(data.toArray(ValueLayout.JAVA_BYTE))); }
                @Override public List<String> commit() { return commit(MemorySegment.NULL); }
                @Override public List<String> commit(MemorySegment last) {
                    calls.add("commit " + new String(last.toArray(ValueLayout.JAVA_BYTE)));
                    return List.of("new/x");
                }
                @Override public void close() {}
            };
        };
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s.getBytes());
    }

    @Test
    void abortedBeforeAnyContentBeginsNothing() throws Exception {
        MessageIntake intake = new MessageIntake(recording(), List.of(), 1 << 20, () -> {}).startOnDemand("on-demand-test");
        MessageIntake.Outcome o = intake.abort().get(10, TimeUnit.SECONDS);
        assertTrue(o.aborted());
        assertEquals(0, begun.get(), "no sink was begun");
        ByteBuf late = bytes("late"), last = bytes("last");
        intake.offer(late);
        intake.finish(last);
        assertEquals(0, late.refCnt(), "content after the abort is released");
        assertEquals(0, last.refCnt());
        assertEquals(0, begun.get());
    }

    @Test
    void aWholeMessageIsOneCommit() throws Exception {
        MessageIntake intake = new MessageIntake(recording(), List.of(), 1 << 20, () -> {}).startOnDemand("on-demand-test");
        ByteBuf last = bytes("the whole message\n");
        MessageIntake.Outcome o = intake.finish(last).get(10, TimeUnit.SECONDS);
        assertNull(o.failure());
        assertEquals(List.of("new/x"), o.paths());
        assertEquals(1, begun.get());
        assertEquals(List.of("commit the whole message\n"), calls);
        assertEquals(0, last.refCnt(), "released once written");
    }

    @Test
    void aStreamedMessageStartsWithItsFirstChunk() throws Exception {
        MessageIntake intake = new MessageIntake(recording(), List.of(), 1 << 20, () -> {}).startOnDemand("on-demand-test");
        ByteBuf first = bytes("first\n"), last = bytes("last\n");
        intake.offer(first);
        MessageIntake.Outcome o = intake.finish(last).get(10, TimeUnit.SECONDS);
        assertNull(o.failure());
        assertEquals(List.of("append first\n", "commit last\n"), calls);
        assertEquals(0, first.refCnt());
        assertEquals(0, last.refCnt());
    }
}
