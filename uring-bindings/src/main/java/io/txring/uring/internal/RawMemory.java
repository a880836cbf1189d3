package io.txring.uring.internal;

import java.lang.foreign.MemorySegment;

/**
 * The one restricted operation core needs: viewing memory whose address the kernel or
 * liburing handed us (the mmapped SQ/CQ rings) as a sized segment. Exported to txring's
 * own modules only.
 */
public final class RawMemory {
    private RawMemory() {}

    public static MemorySegment wrap(long address, long byteSize) {
        return MemorySegment.ofAddress(address).reinterpret(byteSize);
    }

    public static MemorySegment wrap(MemorySegment zeroLengthPointer, long byteSize) {
        return zeroLengthPointer.reinterpret(byteSize);
    }
}
