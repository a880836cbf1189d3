package io.txring.core;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.txring.uring.generated.io_uring_cqe;
import java.lang.foreign.MemorySegment;

/**
 * The completion queue as the kernel maps it ({@code struct io_uring_cq}): {@code kTail}
 * (advanced by the kernel), {@code kHead} (advanced by us) and the CQE array. Only the
 * reaping thread touches it.
 */
final class CompletionRing {
    private static final long CQE_SIZE = io_uring_cqe.SIZEOF;
    private static final long USER_DATA = io_uring_cqe.user_data$OFFSET;
    private static final long RES = io_uring_cqe.res$OFFSET;
    private static final long FLAGS = io_uring_cqe.flags$OFFSET;

    private final MemorySegment kHead;
    private final MemorySegment kTail;
    private final MemorySegment cqes;
    private final int mask;
    final int entries;
    private int head;

    CompletionRing(MemorySegment kHead, MemorySegment kTail, MemorySegment cqes, int entries, int mask) {
        this.kHead = kHead;
        this.kTail = kTail;
        this.cqes = cqes;
        this.entries = entries;
        this.mask = mask;
        this.head = MemoryOrder.loadOnce(kHead);
    }

    /** The acquire pairs with the kernel's release of kTail: the CQEs before it are fully written. */
    boolean hasCompletions() {
        return MemoryOrder.loadAcquire(kTail) != head;
    }

    /** For the waiters' safety net: the kernel's view, head in the high half and tail in the low. */
    long mark() {
        int tail = MemoryOrder.loadAcquire(kTail); // pairs with the kernel's release of kTail
        return ((long) MemoryOrder.loadOnce(kHead) << 32) | (tail & 0xffffffffL);
    }

    /** How many completions are ready, at most {@code max}. */
    int ready(int max) {
        return Math.min(max, MemoryOrder.loadAcquire(kTail) - head); // pairs with the kernel's release of kTail
    }

    /** For diagnostics: the shared words and our shadow, read without ordering. */
    String debugState() {
        return "cq kHead=" + MemoryOrder.loadOnce(kHead) + " kTail=" + MemoryOrder.loadOnce(kTail) + " head=" + head;
    }

    /** Delivers up to {@code max} completions; returns how many. */
    int drain(Engine.CompletionDispatch dispatch, int max) {
        int tail = MemoryOrder.loadAcquire(kTail); // pairs with the kernel's release store of the CQ tail
        int n = 0;
        while (head != tail && n < max) {
            long base = (head & mask) * CQE_SIZE;
            long userData = cqes.get(JAVA_LONG, base + USER_DATA);
            int res = cqes.get(JAVA_INT, base + RES);
            int flags = cqes.get(JAVA_INT, base + FLAGS);
            head++;
            n++;
            // The kernel may reuse this CQE only after it sees the new head, so the loads come first.
            MemoryOrder.storeRelease(kHead, head);
            dispatch.complete(userData, res, flags);
        }
        return n;
    }
}
