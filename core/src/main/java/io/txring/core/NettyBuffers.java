package io.txring.core;

import io.netty.buffer.ByteBuf;

/**
 * Netty {@code ByteBuf}s as op buffers, through their memory address: no copy. Needs
 * netty-buffer on the module or class path (an optional dependency of txring-core).
 */
public final class NettyBuffers {
    private NettyBuffers() {}

    /** Writes the readable bytes of {@code buf} (reader index and counts unchanged). */
    public static Op prepWrite(Op op, int fd, ByteBuf buf, long fileOffset) {
        return op.prepWriteAddress(fd, address(buf) + buf.readerIndex(), buf.readableBytes(), fileOffset, buf);
    }

    /** Reads into the writable bytes of {@code buf}; advance its writer index by the result yourself. */
    public static Op prepRead(Op op, int fd, ByteBuf buf, long fileOffset) {
        return op.prepReadAddress(fd, address(buf) + buf.writerIndex(), buf.writableBytes(), fileOffset, buf);
    }

    private static long address(ByteBuf buf) {
        if (!buf.hasMemoryAddress()) {
            throw new IllegalArgumentException("ByteBuf has no memory address (a heap buffer?): allocate a direct one");
        }
        return buf.memoryAddress();
    }
}
