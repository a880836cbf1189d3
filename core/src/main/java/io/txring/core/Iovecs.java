package io.txring.core;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.txring.uring.generated.iovec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A {@code struct iovec} array over native buffers, for {@link Op#prepReadv}/{@link Op#prepWritev}. */
public final class Iovecs {
    private final MemorySegment array;
    private final MemorySegment[] buffers; // kept reachable while the kernel may use them
    private final long total;

    private Iovecs(MemorySegment array, MemorySegment[] buffers, long total) {
        this.array = array;
        this.buffers = buffers;
        this.total = total;
    }

    /** Builds the array in {@code arena}; every buffer must be native memory. */
    public static Iovecs of(Arena arena, MemorySegment... buffers) {
        MemorySegment a = arena.allocate(iovec.LAYOUT, buffers.length);
        long total = 0;
        for (int i = 0; i < buffers.length; i++) {
            if (!buffers[i].isNative()) throw new IllegalArgumentException("iovec " + i + " is not native memory");
            a.set(ADDRESS, i * iovec.SIZEOF + iovec.iov_base$OFFSET, buffers[i]);
            a.set(JAVA_LONG, i * iovec.SIZEOF + iovec.iov_len$OFFSET, buffers[i].byteSize());
            total += buffers[i].byteSize();
        }
        return new Iovecs(a, buffers.clone(), total);
    }

    long address() { return array.address(); }

    public int count() { return buffers.length; }

    /** Bytes over all buffers. */
    public long totalLength() { return total; }
}
