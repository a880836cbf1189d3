package io.txring.mailspool.lmtp;

import io.netty.buffer.ByteBuf;
import io.txring.mailspool.MessageSink;
import io.txring.mailspool.MailDrop;
import io.txring.mailspool.Recipient;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Carries one message's content from the event loop to the disk: the event loop
 * {@link #offer}s chunks (never blocking), a virtual thread appends them to the
 * {@link MessageSink} and commits at the end. The queue is bounded by the caller: it stops
 * reading the socket while {@link #full()} and is told through {@code resume} when the
 * worker has drained it below half.
 */
final class MessageIntake {
    /** How a message ended: the paths it was published under, or why it was not. */
    record Outcome(List<String> paths, IOException failure, boolean aborted) {}

    private static final Object END = new Object(), ABORT = new Object();

    private final MailDrop agent;
    private final List<Recipient> recipients;
    private final long highWater;
    private final Runnable resume;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicBoolean throttled = new AtomicBoolean();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private ByteBuf last;
    private String name;
    private boolean started;

    MessageIntake(MailDrop agent, List<Recipient> recipients, long highWater, Runnable resume) {
        this.agent = agent;
        this.recipients = recipients;
        this.highWater = highWater;
        this.resume = resume;
    }

    MessageIntake start(String name) {
        started = true;
        Thread.ofVirtual().name(name).start(this::run);
        return this;
    }

    /**
     * The worker starts with the first {@link #offer}, {@link #finish} or {@link #abort}: a
     * message that arrives whole never has its worker park waiting for it. Those calls then
     * come from one thread (the channel's event loop).
     */
    MessageIntake startOnDemand(String name) {
        this.name = name;
        return this;
    }

    /** Takes ownership of {@code content}. */
    void offer(ByteBuf content) {
        if (outcome.isDone()) { // aborted before it started: nobody would release it
            content.release();
            return;
        }
        queued.addAndGet(content.readableBytes());
        queue.add(content);
        if (!started) start(name);
    }

    /**
     * Whether the caller should stop reading; if so, {@code resume} runs once the queue drains.
     * <p>Without the second look a wake-up is lost: this thread reads {@code queued ≥ highWater};
     * the worker then drains every chunk, each time seeing {@code throttled} still false, so it
     * calls nobody and blocks on the empty queue; only then is {@code throttled} set, and the
     * caller stops reading a socket nothing will resume. So after raising the flag we look at
     * {@code queued} again: the worker lowers {@code queued} before it tests the flag, hence
     * either it sees the flag (and resumes us), or we see its lower count — and whichever of
     * us clears the flag first ({@code compareAndSet}) owns the wake-up, so it happens once.
     */
    boolean full() {
        if (queued.get() < highWater) return false;
        throttled.set(true);
        if (queued.get() < highWater / 2 && throttled.compareAndSet(true, false)) return false; // drained meanwhile
        return true;
    }

    /** The content is complete: commit. */
    CompletableFuture<Outcome> finish() {
        return finish(null);
    }

    /**
     * The content is complete with {@code last} (taken over; null if nothing more): it is
     * written and committed in one step, so a message that arrived as one chunk is one
     * write, and its sink can retry from it.
     */
    CompletableFuture<Outcome> finish(ByteBuf last) {
        if (outcome.isDone()) {
            if (last != null) last.release();
            return outcome;
        }
        this.last = last; // published to the worker by the queue
        queue.add(END);
        if (!started) start(name);
        return outcome;
    }

    /** The client went away or the message was refused: discard everything. */
    CompletableFuture<Outcome> abort() {
        if (!started) { // nothing was begun, so nothing needs undoing
            started = true;
            outcome.complete(new Outcome(List.of(), null, true));
            return outcome;
        }
        queue.add(ABORT);
        return outcome;
    }

    CompletableFuture<Outcome> outcome() { return outcome; }

    private void run() {
        MessageSink delivery = null;
        IOException failure = null;
        Outcome result = null;
        try {
            try {
                delivery = agent.begin(recipients);
            } catch (IOException e) {
                failure = e; // keep draining: the client is owed per-recipient replies at the end of DATA
            } catch (RuntimeException e) {
                failure = new IOException("starting a delivery: " + e, e);
            }
            while (result == null) {
                Object item = queue.take();
                if (item instanceof ByteBuf content) {
                    int n = content.readableBytes();
                    try {
                        if (failure == null) delivery.append(MemorySegment.ofBuffer(content.nioBuffer()));
                    } catch (IOException e) {
                        failure = e;
                    } finally {
                        content.release();
                        if (queued.addAndGet(-n) < highWater / 2 && throttled.compareAndSet(true, false)) resume.run();
                    }
                } else if (item == END) {
                    if (failure == null) {
                        try {
                            result = new Outcome(delivery.commit(last == null ? MemorySegment.NULL : MemorySegment.ofBuffer(last.nioBuffer())), null, false);
                        } catch (IOException e) {
                            failure = e;
                        }
                    }
                    if (result == null) result = new Outcome(List.of(), failure, false);
                } else {
                    result = new Outcome(List.of(), failure, true);
                }
            }
        } catch (InterruptedException e) {
            result = new Outcome(List.of(), failure, true);
        } catch (RuntimeException | Error e) {
            result = new Outcome(List.of(), new IOException("delivery failed: " + e, e), false);
            throw e;
        } finally {
            try {
                if (delivery != null) delivery.close(); // aborts unless committed: no shadow outlives the message
            } finally {
                if (last != null) last.release(); // set before END was queued, so seen here whenever END was
                for (Object left; (left = queue.poll()) != null; ) if (left instanceof ByteBuf b) b.release();
                // completed only now: whoever sees the outcome (the reply, messagesInFlight) finds the shadow gone
                outcome.complete(result);
            }
        }
    }
}
