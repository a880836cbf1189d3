package io.txring.mailspool.lmtp;

import io.netty.buffer.ByteBuf;

/** What {@link LmtpFraming} cuts the byte stream into. */
sealed interface Frame {
    /** A command line without its line ending. */
    record Command(String line) implements Frame {}

    /** A command line longer than allowed; its bytes were discarded up to its line end. */
    record LineTooLong(long length) implements Frame {}

    /** Message content, un-dot-stuffed, line endings as LF; the receiver releases it. */
    record Content(ByteBuf bytes) implements Frame {}

    /** The {@code .} line that ends DATA. */
    record EndOfData() implements Frame {}
}
