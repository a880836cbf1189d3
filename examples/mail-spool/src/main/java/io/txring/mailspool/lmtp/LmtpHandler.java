package io.txring.mailspool.lmtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.txring.mailspool.MailDrop;
import io.txring.txn.CommitUnknownException;
import io.txring.txn.ConflictException;
import io.txring.uring.NativeException;
import io.txring.uring.generated.Errno;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One LMTP connection on its event loop: frames the bytes, runs the {@link LmtpSession},
 * and hands DATA content to a {@link MessageIntake}. Nothing here touches a file. While a
 * message is being committed the connection is not read and already-read pipelined
 * commands wait in the framing buffer, so replies leave in command order.
 */
final class LmtpHandler extends ChannelInboundHandlerAdapter {
    private final LmtpServer server;
    private final LmtpServerConfig config;
    private final MailDrop agent;
    private final LmtpSession session;
    private LmtpFraming framing;
    private ChannelHandlerContext ctx;
    private MessageIntake intake;
    private long contentBytes;
    private boolean oversize;
    private boolean awaitingCommit;
    private boolean closing;
    private boolean admitted;

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
        if (!server.admit()) {
            closing = true;
            ctx.writeAndFlush(reply("421 4.3.2 " + config.hostname() + " too many sessions, try again later"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        admitted = true;
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

    /** Handles every complete frame, unless a commit is pending (its replies must come first). */
    private void drain() {
        boolean wrote = false;
        for (Frame f; !awaitingCommit && !closing && (f = framing.next()) != null; ) {
            switch (f) {
                case Frame.Command c -> wrote |= command(c.line());
                case Frame.LineTooLong t -> {
                    ctx.write(reply("500 5.5.2 Line too long (" + t.length() + " bytes; at most " + config.maxLineLength() + ")"));
                    wrote = true;
                }
                case Frame.Content c -> content(c.bytes());
                case Frame.EndOfData e -> wrote |= endOfData();
            }
        }
        if (wrote) ctx.flush();
        updateAutoRead();
    }

    private boolean command(String line) {
        LmtpSession.Step step = session.handle(line);
        ctx.write(reply(step.reply()));
        if (step.close()) {
            closing = true;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else if (step.startData()) {
            framing.beginData();
            contentBytes = 0;
            oversize = false;
            List<io.txring.mailspool.Recipient> mailboxes = session.recipients().stream().map(LmtpSession.Rcpt::mailbox).toList();
            intake = new MessageIntake(agent, mailboxes, config.queuedBytes(), () -> ctx.executor().execute(this::updateAutoRead))
                    .start("lmtp-intake-" + ctx.channel().id().asShortText());
            server.track(intake);
        }
        return true;
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
        intake.offer(bytes);
    }

    private boolean endOfData() {
        MessageIntake current = intake;
        intake = null;
        if (oversize) {
            for (LmtpSession.Rcpt r : session.recipients()) {
                ctx.write(reply("552 5.3.4 <" + r.address() + "> message size exceeds fixed maximum message size (" + config.maxMessageSize() + ")"));
            }
            session.messageDone();
            return true;
        }
        awaitingCommit = true;
        current.finish().whenComplete((outcome, thrown) -> ctx.executor().execute(() -> delivered(outcome, thrown)));
        return false;
    }

    /** On the event loop once the message is committed or failed: one reply per RCPT, then the queued commands. */
    private void delivered(MessageIntake.Outcome outcome, Throwable thrown) {
        awaitingCommit = false;
        if (!ctx.channel().isActive()) return;
        IOException failure = thrown != null ? new IOException(thrown) : outcome.failure();
        for (LmtpSession.Rcpt r : session.recipients()) {
            ctx.write(reply(failure == null
                    ? "250 2.0.0 <" + r.address() + "> delivered to " + r.mailbox() + "/new"
                    : failureReply(r.address(), failure)));
        }
        session.messageDone();
        ctx.flush();
        drain();
    }

    /** Every local failure is temporary: the client keeps the message and tries again. */
    static String failureReply(String address, IOException e) {
        String why = oneLine(e.getMessage());
        if (e instanceof NativeException n && (n.errno() == Errno.ENOSPC || n.errno() == Errno.EDQUOT)) {
            return "452 4.3.1 <" + address + "> insufficient system storage: " + why;
        }
        if (e instanceof ConflictException) return "451 4.3.0 <" + address + "> conflicting delivery, try again: " + why;
        if (e instanceof CommitUnknownException) {
            // Recovery may still publish it: a retry may duplicate the message, which loses nothing.
            return "451 4.3.0 <" + address + "> outcome unknown, try again: " + why;
        }
        return "452 4.3.1 <" + address + "> temporary local failure: " + why;
    }

    private static String oneLine(String s) {
        if (s == null) return "I/O error";
        String t = s.replaceAll("[\\r\\n\\p{Cntrl}]+", " ");
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }

    private void updateAutoRead() {
        if (!ctx.channel().isActive()) return;
        boolean read = !closing && !awaitingCommit && (intake == null || !intake.full());
        if (ctx.channel().config().isAutoRead() != read) ctx.channel().config().setAutoRead(read);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && !closing && ctx.channel().config().isAutoRead()) {
            // Only when we are reading: a client waiting for our commit or for our disk is not idle.
            closing = true;
            ctx.writeAndFlush(reply("421 4.4.2 " + config.hostname() + " idle for " + config.idleTimeout().toSeconds() + " s, closing"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (intake != null) {
            intake.abort(); // disconnected mid-DATA: the transaction is aborted, its shadow removed
            intake = null;
        }
        if (framing != null) framing.release();
        if (admitted) server.leave();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset connection or a bug in one session must not take the server down: close just this one.
        if (!(cause instanceof IOException)) {
            System.err.println("mailspool lmtp: closing " + ctx.channel().remoteAddress() + ": " + cause);
        }
        ctx.close();
    }

    private static ByteBuf reply(String text) {
        return Unpooled.copiedBuffer(text + "\r\n", StandardCharsets.US_ASCII);
    }
}
