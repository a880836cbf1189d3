package io.txring.core;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Every ordered access to a word shared with the kernel goes through here, named after
 * liburing's {@code barrier.h} primitives; each call site says what it pairs with.
 */
final class MemoryOrder {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private MemoryOrder() {}

    /** {@code io_uring_smp_load_acquire}: later loads cannot move above this one. */
    static int loadAcquire(MemorySegment word) {
        return (int) INT.getAcquire(word, 0L);
    }

    /** {@code io_uring_smp_store_release}: earlier stores are visible before this one. */
    static void storeRelease(MemorySegment word, int value) {
        INT.setRelease(word, 0L, value);
    }

    /** {@code IO_URING_READ_ONCE}: a single untorn load with no ordering. */
    static int loadOnce(MemorySegment word) {
        return (int) INT.getOpaque(word, 0L);
    }

    /** {@code io_uring_smp_mb}: a full barrier (StoreLoad included). */
    static void fullFence() {
        VarHandle.fullFence();
    }
}
