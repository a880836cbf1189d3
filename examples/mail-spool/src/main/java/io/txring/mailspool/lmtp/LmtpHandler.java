package io.txring.mailspool.lmtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.txring.mailspool.MailDrop;
import io.txring.mailspool.Recipient;
import io.txring.txn.Failure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One LMTP connection on its event loop: frames the bytes, runs the {@link LmtpSession},
 * and hands DATA content to a {@link MessageIntake}. Nothing here touches a file. While a
 * message is being committed the connection is not read and already-read pipelined
 * commands wait in the framing buffer, so replies leave in command order. Likewise while
 * the channel is not writable (the client does not read its replies): nothing more is
 * parsed or read until the replies drain, so one session never queues replies without bound.
 * Replies never carry exception text: the detail goes to the log.
 */
final class LmtpHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(LmtpHandler.class.getName());
    /** "250 2.0.0 <" address "> delivered to " mailbox "/new" CRLF, cut into its fixed parts. */
    private static final byte[] DELIVERED = "250 2.0.0 <> delivered to /new\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DELIVERED_OPEN = "250 2.0.0 <".length(), DELIVERED_TO = "> delivered to ".length();
    /** Replies collect in one buffer per {@link #drain}; past this size it goes to the channel, so write backpressure sees it. */
    private static final int REPLY_BATCH = 1024;
    private final LmtpServer server;
    private final LmtpServerConfig config;
    private final MailDrop agent;
    private final LmtpSession session;
    private LmtpFraming framing;
    private ChannelHandlerContext ctx;
    private MessageIntake intake;
    /** The message's last content, held from its frame to the end-of-data frame right after it. */
    private ByteBuf lastContent;
    private long contentBytes;
    private boolean oversize;
    private boolean awaitingCommit;
    private boolean closing;
    private InetAddress client;
    private int errors;
    /** At most one per session, rescheduled only when it fires mid-DATA: no timer is made and cancelled per message. */
    private ScheduledFuture<?> dataTimer;
    private long dataStart;
    private String intakeName;
    /** The replies not yet handed to the channel, in order; null when there are none. */
    private ByteBuf replies;
    private boolean unflushed;
    /** Run by an intake's worker once its queue drains: reading may resume. */
    private final Runnable resume = () -> ctx.executor().execute(this::drain);

    LmtpHandler(LmtpServer server, MailDrop agent) {
        this.server = server;
        this.config = server.config();
        this.agent = agent;
        this.session = new LmtpSession(config);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.framing = new LmtpFraming(ctx.alloc(), config.maxLineLength());
        InetAddress from = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        LmtpServer.Refusal refusal = server.admit(from);
        if (refusal != LmtpServer.Refusal.NONE) {
            closing = true;
            ctx.writeAndFlush(reply(refusal == LmtpServer.Refusal.TOO_MANY
                            ? "421 4.3.2 " + config.hostname() + " too many sessions, try again later"
                            : "421 4.7.0 " + config.hostname() + " too many sessions from your address, try again later"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        client = from;
        intakeName = "lmtp-intake-" + ctx.channel().id().asShortText();
        ctx.writeAndFlush(reply(session.greeting()));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ((ByteBuf) msg).release();
            return;
        }
        framing.add((ByteBuf) msg);
        drain();
    }

    /**
     * Handles every complete frame, unless a commit is pending (its replies must come first)
     * or the replies already queued fill the write buffer (the rest waits for writability).
     */
    private void drain() {
        if (!ctx.channel().isActive()) return;
        for (Frame f; !awaitingCommit && !closing && ctx.channel().isWritable() && (f = framing.next()) != null; ) {
            switch (f) {
                case Frame.Command c -> command(c.line());
                case Frame.LineTooLong t ->
                    answer(LmtpSession.Step.of("500 5.5.2 Line too long (" + t.length() + " bytes; at most " + config.maxLineLength() + ")"));
                case Frame.Content c -> content(c.bytes());
                case Frame.EndOfData e -> endOfData();
            }
        }
        sendReplies();
        updateAutoRead();
    }

    private void command(String line) {
        LmtpSession.Step step = session.handle(line);
        answer(step);
        if (closing) {
            return; // that was one error too many
        } else if (step.close()) {
            closing = true;
            writeReplies();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else if (step.startData()) {
            framing.beginData();
            contentBytes = 0;
            oversize = false;
            List<LmtpSession.Rcpt> rcpts = session.recipients();
            Recipient[] mailboxes = new Recipient[rcpts.size()];
            for (int i = 0; i < mailboxes.length; i++) mailboxes[i] = rcpts.get(i).mailbox();
            MessageIntake mine = new MessageIntake(agent, List.of(mailboxes), config.queuedBytes(), resume).startOnDemand(intakeName);
            intake = mine;
            server.track(mine);
            dataStart = System.nanoTime();
            if (dataTimer == null) dataTimer = ctx.executor().schedule(this::checkDataTime, config.maxDataTime().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Queues a command's reply; past the error limit the session ends, so a client cannot make us talk forever. */
    private void answer(LmtpSession.Step step) {
        byte[] wire = step.wire();
        if (wire != null) {
            replies().writeBytes(wire); // a fixed reply: copied, never encoded
        } else {
            replies().writeBytes(step.reply().getBytes(StandardCharsets.US_ASCII)).writeByte('\r').writeByte('\n');
        }
        char code = step.reply().charAt(0);
        if ((code == '4' || code == '5') && ++errors >= config.maxErrors()) {
            closeWith("421 4.7.0 " + config.hostname() + " too many errors, closing");
        } else if (replies.readableBytes() >= REPLY_BATCH) {
            writeReplies();
        }
    }

    private ByteBuf replies() {
        if (replies == null) replies = ctx.alloc().directBuffer(256);
        return replies;
    }

    /** Hands the queued replies to the channel (not flushed). */
    private void writeReplies() {
        if (replies != null) {
            ctx.write(replies, ctx.voidPromise());
            replies = null;
            unflushed = true;
        }
    }

    private void sendReplies() {
        writeReplies();
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    /** The queued replies, then {@code text}, then the connection closes. */
    private void closeWith(String text) {
        closing = true;
        writeReplies();
        unflushed = false;
        ctx.writeAndFlush(reply(text)).addListener(ChannelFutureListener.CLOSE);
    }

    /** The data timer: the message in DATA since {@link #dataStart} has had maxDataTime, or the timer goes again for the rest. */
    private void checkDataTime() {
        dataTimer = null;
        if (intake == null || closing) return; // between messages: the next DATA starts it again
        long left = config.maxDataTime().toNanos() - (System.nanoTime() - dataStart);
        if (left > 0) {
            dataTimer = ctx.executor().schedule(this::checkDataTime, left, TimeUnit.NANOSECONDS);
        } else {
            dataTooLong();
        }
    }

    /** The content of the current message is still arriving after maxDataTime: drop it and end the session. */
    private void dataTooLong() {
        MessageIntake mine = intake;
        intake = null;
        releaseLastContent();
        mine.abort(); // nothing of it is published; its shadow is removed
        closeWith("421 4.4.2 " + config.hostname() + " DATA exceeded its time limit, closing");
        updateAutoRead();
    }

    private void content(ByteBuf bytes) {
        contentBytes += bytes.readableBytes();
        if (oversize || contentBytes > config.maxMessageSize()) {
            if (!oversize) {
                oversize = true;
                intake.abort(); // nothing more goes to disk; the rest is read and dropped until the lone '.'
            }
            bytes.release();
            return;
        }
        if (framing.endOfDataNext()) {
            lastContent = bytes; // goes with the commit: one write for a message that arrived as one chunk
        } else {
            intake.offer(bytes);
        }
    }

    private void endOfData() {
        MessageIntake current = intake;
        intake = null;
        if (oversize) {
            for (LmtpSession.Rcpt r : session.recipients()) {
                String text = "552 5.3.4 <" + r.address() + "> message size exceeds fixed maximum message size (" + config.maxMessageSize() + ")";
                replies().writeBytes((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            session.messageDone();
            return;
        }
        awaitingCommit = true;
        ByteBuf last = lastContent;
        lastContent = null;
        current.finish(last).whenComplete((outcome, thrown) -> ctx.executor().execute(() -> delivered(outcome, thrown)));
    }

    /** On the event loop once the message is committed or failed: one reply per RCPT, then the queued commands. */
    private void delivered(MessageIntake.Outcome outcome, Throwable thrown) {
        awaitingCommit = false;
        if (!ctx.channel().isActive()) return;
        IOException failure = thrown != null ? new IOException(thrown) : outcome.failure();
        if (failure != null) {
            LOG.log(System.Logger.Level.WARNING, "mailspool lmtp: delivery for " + ctx.channel().remoteAddress() + " failed", failure);
        }
        ByteBuf out = replies(); // every recipient's reply, and those to the commands after, in one write
        List<LmtpSession.Rcpt> rcpts = session.recipients();
        for (int i = 0; i < rcpts.size(); i++) {
            LmtpSession.Rcpt r = rcpts.get(i);
            if (failure == null) {
                out.writeBytes(DELIVERED, 0, DELIVERED_OPEN); // addresses and mailbox names are printable ASCII: no encoder needed
                ByteBufUtil.writeAscii(out, r.address());
                out.writeBytes(DELIVERED, DELIVERED_OPEN, DELIVERED_TO);
                ByteBufUtil.writeAscii(out, r.mailbox().mailbox());
                out.writeBytes(DELIVERED, DELIVERED_OPEN + DELIVERED_TO, DELIVERED.length - DELIVERED_OPEN - DELIVERED_TO);
            } else {
                out.writeBytes((failureReply(r.address(), failure) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
        session.messageDone();
        drain();
    }

    /**
     * A local failure is temporary — the client keeps the message and tries again — unless the
     * store refuses the mailbox itself ({@link Failure#PERMANENT}). The reply is generic: the
     * exception text names paths and classes, so it goes to the log only.
     */
    static String failureReply(String address, IOException e) {
        return switch (Failure.of(e)) {
            case NO_SPACE -> "452 4.3.1 <" + address + "> insufficient system storage";
            case CONFLICT -> "451 4.3.0 <" + address + "> conflicting delivery, try again";
            // Recovery may still publish it: a retry may duplicate the message, which loses nothing.
            case OUTCOME_UNKNOWN -> "451 4.3.0 <" + address + "> outcome unknown, try again";
            // The store refuses the mailbox itself (a symlink planted in the spool): retrying cannot help, as deliver's exit 73 says.
            case PERMANENT -> "550 5.2.0 <" + address + "> mailbox unavailable";
            case TRANSIENT -> "452 4.3.1 <" + address + "> temporary local failure";
        };
    }

    private void updateAutoRead() {
        if (!ctx.channel().isActive()) return;
        boolean read = !closing && !awaitingCommit && ctx.channel().isWritable() && (intake == null || !intake.full());
        if (ctx.channel().config().isAutoRead() != read) ctx.channel().config().setAutoRead(read);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        drain(); // writable again: the frames already read go on, then reading resumes
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && (closing || !ctx.channel().isWritable())) {
            // Our last words or replies have not been read for a whole idle period: nothing more is worth saying.
            ctx.close();
        } else if (evt instanceof IdleStateEvent && ctx.channel().config().isAutoRead()) {
            // Only when we are reading: a client waiting for our commit or for our disk is not idle.
            closeWith("421 4.4.2 " + config.hostname() + " idle for " + config.idleTimeout().toSeconds() + " s, closing");
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (intake != null) {
            intake.abort(); // disconnected mid-DATA: the transaction is aborted, its shadow removed
            intake = null;
        }
        releaseLastContent();
        if (replies != null) {
            replies.release();
            replies = null;
        }
        if (dataTimer != null) dataTimer.cancel(false);
        if (framing != null) framing.release();
        if (client != null) server.leave(client);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset connection or a bug in one session must not take the server down: close just this one.
        if (!(cause instanceof IOException)) {
            LOG.log(System.Logger.Level.WARNING, "mailspool lmtp: closing " + ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    private void releaseLastContent() {
        if (lastContent != null) {
            lastContent.release();
            lastContent = null;
        }
    }

    /** A reply whose text varies, in a pooled direct buffer (a heap one would be copied into one on its way out). */
    private ByteBuf reply(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return ctx.alloc().directBuffer(bytes.length + 2).writeBytes(bytes).writeByte('\r').writeByte('\n');
    }
}
