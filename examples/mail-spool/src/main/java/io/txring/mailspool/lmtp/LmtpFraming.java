package io.txring.mailspool.lmtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Cuts an LMTP byte stream into command lines and, between DATA's 354 and the lone
 * {@code .}, message content. Content is un-dot-stuffed and stored with LF line endings
 * (Maildir's convention; a bare LF is stored as a line end too, a lone CR is kept). Only
 * CRLF ends a line for the protocol (RFC 5321 §2.3.8, §4.1.1.4): the end of data is
 * exactly CRLF "." CRLF and dot-stuffing applies only after a CRLF, so a bare-LF dot
 * ({@code \n.\n}, {@code \r\n.\n}) is content and no second message can be smuggled
 * inside the first. Content is
 * streamed in chunks of at most {@value #CHUNK} bytes: no line is ever held whole, so a
 * 1 MB line costs no more memory than a short one. Command lines longer than the limit
 * are discarded as they arrive and reported once their line ends. One frame per
 * {@link #next} call, so the caller can switch modes between frames (pipelining). Not
 * thread-safe: the channel's event loop owns it.
 */
final class LmtpFraming {
    static final int CHUNK = 64 * 1024;

    /** Where the content scanner is within the current line. */
    private enum At { LINE_START, DOT, DOT_CR, MIDDLE, CR }

    private final int maxLineLength;
    private final ByteBufAllocator alloc;
    private ByteBuf buffer;
    private boolean discarding;
    private long discarded;
    private boolean inData;
    private boolean endPending;
    private At at;

    LmtpFraming(ByteBufAllocator alloc, int maxLineLength) {
        this.alloc = alloc;
        this.maxLineLength = maxLineLength;
    }

    /** Takes ownership of {@code in}. */
    void add(ByteBuf in) {
        buffer = buffer == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, buffer, in);
    }

    /** The next lines are message content, up to the lone {@code .}. */
    void beginData() {
        inData = true;
        at = At.LINE_START;
    }

    boolean inData() { return inData; }

    /** The next frame, or null when more bytes are needed. */
    Frame next() {
        if (endPending) {
            endPending = false;
            inData = false;
            return new Frame.EndOfData();
        }
        if (buffer == null || !buffer.isReadable()) return null;
        Frame f = inData ? content() : command();
        if (buffer.readerIndex() > CHUNK) buffer.discardSomeReadBytes();
        return f;
    }

    private Frame command() {
        int lf = buffer.indexOf(buffer.readerIndex(), buffer.writerIndex(), (byte) '\n');
        if (discarding) {
            if (lf < 0) {
                discarded += buffer.readableBytes();
                buffer.skipBytes(buffer.readableBytes());
                return null;
            }
            discarded += lf - buffer.readerIndex();
            buffer.readerIndex(lf + 1);
            discarding = false;
            long n = discarded;
            discarded = 0;
            return new Frame.LineTooLong(n);
        }
        if (lf < 0) {
            if (buffer.readableBytes() > maxLineLength) { // keep memory bounded: drop it now, report at its end
                discarding = true;
                discarded = buffer.readableBytes();
                buffer.skipBytes(buffer.readableBytes());
            }
            return null;
        }
        int length = lf - buffer.readerIndex();
        if (length > maxLineLength) {
            buffer.readerIndex(lf + 1);
            return new Frame.LineTooLong(length);
        }
        if (length > 0 && buffer.getByte(lf - 1) == '\r') length--;
        String line = buffer.toString(buffer.readerIndex(), length, StandardCharsets.ISO_8859_1);
        buffer.readerIndex(lf + 1);
        return new Frame.Command(line);
    }

    private Frame content() {
        int n = Math.min(buffer.readableBytes(), CHUNK);
        ByteBuf out = alloc.directBuffer(n + 2);
        int i = buffer.readerIndex(), end = i + n;
        for (; i < end && !endPending; i++) {
            byte b = buffer.getByte(i);
            switch (at) {
                case LINE_START -> {
                    if (b == '.') at = At.DOT;
                    else middle(out, b);
                }
                case DOT -> { // a line that starts with '.': the end, or a stuffed dot to drop
                    if (b == '\r') {
                        at = At.DOT_CR;
                    } else if (b == '\n') { // ".\n": a bare LF never ends the data; the dot is content
                        out.writeByte('.');
                        middle(out, b);
                    } else {
                        middle(out, b);
                    }
                }
                case DOT_CR -> {
                    if (b == '\n') {
                        endPending = true;
                    } else {
                        out.writeByte('\r');
                        at = At.MIDDLE;
                        i--; // look at b again as ordinary content
                    }
                }
                case MIDDLE -> middle(out, b);
                case CR -> {
                    if (b == '\n') {
                        out.writeByte('\n');
                        at = At.LINE_START;
                    } else {
                        out.writeByte('\r'); // a lone CR is content
                        at = At.MIDDLE;
                        i--;
                    }
                }
            }
        }
        buffer.readerIndex(i);
        if (out.isReadable()) return new Frame.Content(out);
        out.release();
        return endPending ? next() : null;
    }

    private void middle(ByteBuf out, byte b) {
        if (b == '\r') {
            at = At.CR;
        } else if (b == '\n') {
            out.writeByte('\n'); // a bare LF is stored as a line end, but starts no protocol line: no dot follows it specially
            at = At.MIDDLE;
        } else {
            out.writeByte(b);
            at = At.MIDDLE;
        }
    }

    void release() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }
}
