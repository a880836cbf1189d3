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
 * inside the first.
 *
 * <p>Content is decoded a line at a time, not a byte at a time: the next LF is found with
 * {@link ByteBuf#indexOf} and the line is copied whole; only a line that starts with
 * {@code '.'} and a CR at the end of what has arrived take the byte-wise states. The
 * decoded bytes collect in one buffer of at most {@value #CHUNK} bytes across reads and go
 * out as one {@link Frame.Content} when it is full or the message ends: a message smaller
 * than that is one frame (one write to the disk), a larger one streams in chunks of that
 * size, and no line is ever held whole, so a 1 MB line costs no more memory than a short
 * one. Command lines longer than the limit are discarded as they arrive and reported once
 * their line ends. One frame per {@link #next} call, so the caller can switch modes
 * between frames (pipelining). Not thread-safe: the channel's event loop owns it.
 */
final class LmtpFraming {
    /** The most content held before it is handed on; a smaller message is handed on whole (and retried whole on a conflict). */
    static final int CHUNK = 128 * 1024;
    /** The first content buffer of a message: a typical message fits without growing it. */
    private static final int FIRST_CONTENT = 8 * 1024;
    private static final Frame.EndOfData END = new Frame.EndOfData();

    /** Where the content scanner is within the current line. */
    private enum At { LINE_START, DOT, DOT_CR, MIDDLE, CR }

    private final int maxLineLength;
    private final int chunk;
    private final ByteBufAllocator alloc;
    private ByteBuf buffer;
    /** Decoded content not yet handed out; null until the first byte of it. */
    private ByteBuf pending;
    private boolean discarding;
    private long discarded;
    private boolean inData;
    private boolean endPending;
    private At at;

    LmtpFraming(ByteBufAllocator alloc, int maxLineLength) {
        this(alloc, maxLineLength, CHUNK);
    }

    /** With content frames of at most {@code chunk} bytes (tests use tiny ones to hit every buffer boundary). */
    LmtpFraming(ByteBufAllocator alloc, int maxLineLength, int chunk) {
        if (chunk < 2) throw new IllegalArgumentException("chunk must be ≥ 2: " + chunk);
        this.alloc = alloc;
        this.maxLineLength = maxLineLength;
        this.chunk = chunk;
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

    /** Whether the frame after the last one returned is the {@link Frame.EndOfData}: that content was the message's last. */
    boolean endOfDataNext() { return endPending; }

    /** The next frame, or null when more bytes are needed. */
    Frame next() {
        if (endPending) return endOfData();
        if (inData) return content();
        if (buffer == null || !buffer.isReadable()) return null;
        Frame f = command();
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
        if (buffer != null && buffer.isReadable()) {
            decode();
            if (buffer.readerIndex() > CHUNK) buffer.discardSomeReadBytes();
        }
        if (endPending) return endOfData();
        // Handed on only when full and more input waits: until then the end may still come, and it takes no room.
        return room() <= 0 && buffer != null && buffer.isReadable() ? take() : null;
    }

    /** The content before the end goes out first, then the end itself. */
    private Frame endOfData() {
        if (pending != null) return take();
        endPending = false;
        inData = false;
        return END;
    }

    private Frame.Content take() {
        ByteBuf out = pending;
        pending = null;
        return new Frame.Content(out);
    }

    /** Input bytes one pass may decode: a state carried over from the last pass can write one byte more than it reads. */
    private int room() {
        return chunk - (pending == null ? 0 : pending.writerIndex()) - 1;
    }

    /**
     * Decodes input into {@link #pending} until the input runs out, {@code pending} is full
     * or the end is found; a full {@code pending} still takes the end, so a message smaller
     * than the buffer is always one frame.
     */
    private void decode() {
        int i = buffer.readerIndex(), w = buffer.writerIndex();
        while (i < w && !endPending) {
            int room = room();
            if (room <= 0) {
                i = quiet(i, w);
                break;
            }
            i = pass(i, w - i > room ? i + room : w);
        }
        buffer.readerIndex(i);
    }

    /** With no room left: steps on only while a byte writes nothing — towards the end of data. */
    private int quiet(int i, int w) {
        for (; i < w; i++) {
            byte b = buffer.getByte(i);
            if (at == At.LINE_START && b == '.') {
                at = At.DOT;
            } else if (at == At.DOT && b == '\r') {
                at = At.DOT_CR;
            } else if (at == At.DOT_CR && b == '\n') {
                endPending = true;
                return i + 1;
            } else {
                return i;
            }
        }
        return i;
    }

    /** Decodes input bytes {@code [i, end)} (fewer if the end is among them); returns where it stopped. */
    private int pass(int i, int end) {
        while (i < end) {
            switch (at) {
                case LINE_START -> {
                    if (buffer.getByte(i) == '.') {
                        at = At.DOT;
                        i++;
                    } else {
                        at = At.MIDDLE;
                    }
                }
                case DOT -> { // a line that starts with '.': the end, or a stuffed dot to drop
                    byte b = buffer.getByte(i);
                    if (b == '\r') {
                        at = At.DOT_CR;
                        i++;
                    } else if (b == '\n') { // ".\n": a bare LF never ends the data; the dot is content
                        out().writeByte('.').writeByte('\n');
                        at = At.MIDDLE;
                        i++;
                    } else {
                        at = At.MIDDLE;
                    }
                }
                case DOT_CR -> {
                    if (buffer.getByte(i) == '\n') {
                        endPending = true;
                        return i + 1;
                    }
                    out().writeByte('\r'); // ".\r" then not LF: the dot was stuffing, the CR is content
                    at = At.MIDDLE;
                }
                case CR -> {
                    if (buffer.getByte(i) == '\n') {
                        out().writeByte('\n');
                        at = At.LINE_START;
                        i++;
                    } else {
                        out().writeByte('\r'); // a lone CR is content
                        at = At.MIDDLE;
                    }
                }
                case MIDDLE -> i = line(i, end);
            }
        }
        return i;
    }

    /** In the middle of a line: copies up to and including its end, or all of {@code [i, end)} if it does not end there. */
    private int line(int i, int end) {
        int lf = buffer.indexOf(i, end, (byte) '\n');
        if (lf < 0) {
            int stop = buffer.getByte(end - 1) == '\r' ? end - 1 : end; // a CR last may be half a CRLF: the next byte decides
            copy(i, stop);
            at = stop < end ? At.CR : At.MIDDLE;
            return end;
        }
        if (lf > i && buffer.getByte(lf - 1) == '\r') {
            copy(i, lf - 1);
            out().writeByte('\n');
            at = At.LINE_START;
        } else {
            copy(i, lf + 1); // a bare LF is stored as a line end, but starts no protocol line: no dot follows it specially
            at = At.MIDDLE;
        }
        return lf + 1;
    }

    private void copy(int from, int to) {
        if (to > from) out().writeBytes(buffer, from, to - from);
    }

    private ByteBuf out() {
        if (pending == null) pending = alloc.directBuffer((int) Math.min(Math.max(buffer.readableBytes() + 2L, FIRST_CONTENT), chunk), chunk);
        return pending;
    }

    void release() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
