package io.txring.core;

import static io.txring.uring.generated.uring_h.IORING_SQ_CQ_OVERFLOW;
import static io.txring.uring.generated.uring_h.IORING_SQ_NEED_WAKEUP;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.txring.uring.generated.io_uring_sqe;
import java.lang.foreign.MemorySegment;

/**
 * The submission queue as the kernel maps it ({@code struct io_uring_sq}): {@code kHead}
 * (advanced by the kernel), {@code kTail} (advanced by us), {@code kFlags}, the index
 * array and the SQE array. SQEs are filled with plain stores and published by one
 * release store of the tail. Only the holder of the ring's submit lock touches it.
 */
final class SubmissionRing {
    // struct io_uring_sqe offsets, from the generated layout.
    private static final long SQE_SIZE = io_uring_sqe.SIZEOF;
    private static final long OPCODE = io_uring_sqe.opcode$OFFSET;
    private static final long FLAGS = io_uring_sqe.flags$OFFSET;
    private static final long IOPRIO = io_uring_sqe.ioprio$OFFSET;
    private static final long FD = io_uring_sqe.fd$OFFSET;
    private static final long OFF = io_uring_sqe.off$OFFSET;
    private static final long ADDR = io_uring_sqe.addr$OFFSET;
    private static final long LEN = io_uring_sqe.len$OFFSET;
    private static final long OP_FLAGS = io_uring_sqe.rw_flags$OFFSET;
    private static final long USER_DATA = io_uring_sqe.user_data$OFFSET;
    private static final long BUF_INDEX = io_uring_sqe.buf_index$OFFSET;
    private static final long PERSONALITY = io_uring_sqe.personality$OFFSET;
    private static final long FILE_INDEX = io_uring_sqe.file_index$OFFSET;
    private static final long ADDR3 = io_uring_sqe.addr3$OFFSET;
    private static final long PAD2 = ADDR3 + 8; // __pad2[1], the last 8 bytes

    private final MemorySegment kHead;
    private final MemorySegment kTail;
    private final MemorySegment kFlags;
    private final MemorySegment sqes;
    private final int mask;
    final int entries;
    /** Next SQE to fill; ahead of kTail until {@link #publish()}. */
    private int sqeTail;
    /** The tail the kernel was last told about by an enter (non-SQPOLL accounting). */
    private int submittedTail;

    SubmissionRing(MemorySegment kHead, MemorySegment kTail, MemorySegment kFlags, MemorySegment kArray,
                   MemorySegment sqes, int entries, int mask) {
        this.kHead = kHead;
        this.kTail = kTail;
        this.kFlags = kFlags;
        this.sqes = sqes;
        this.entries = entries;
        this.mask = mask;
        // Identity-map the index array once, so slot i of the ring always names SQE i.
        for (int i = 0; i < entries; i++) kArray.setAtIndex(JAVA_INT, i, i);
        this.sqeTail = MemoryOrder.loadOnce(kTail);
        this.submittedTail = sqeTail;
    }

    /** Free SQEs. The acquire pairs with the kernel's release of kHead after it read the SQEs. */
    int room() {
        return entries - (sqeTail - MemoryOrder.loadAcquire(kHead));
    }

    /** Writes {@code op} into the next SQE; the caller checked {@link #room()}. */
    void write(Op op, long userData) {
        long base = (sqeTail & mask) * SQE_SIZE;
        MemorySegment s = sqes;
        s.set(JAVA_BYTE, base + OPCODE, op.opcode);
        s.set(JAVA_BYTE, base + FLAGS, op.sqeFlags);
        s.set(JAVA_SHORT, base + IOPRIO, (short) 0);
        s.set(JAVA_INT, base + FD, op.fd);
        s.set(JAVA_LONG, base + OFF, op.off);
        s.set(JAVA_LONG, base + ADDR, op.addr);
        s.set(JAVA_INT, base + LEN, op.len);
        s.set(JAVA_INT, base + OP_FLAGS, op.opFlags);
        s.set(JAVA_LONG, base + USER_DATA, userData);
        s.set(JAVA_SHORT, base + BUF_INDEX, op.bufIndex);
        s.set(JAVA_SHORT, base + PERSONALITY, (short) 0);
        s.set(JAVA_INT, base + FILE_INDEX, op.fileIndex);
        s.set(JAVA_LONG, base + ADDR3, 0L);
        s.set(JAVA_LONG, base + PAD2, 0L);
        sqeTail++;
    }

    /** Makes every written SQE visible: the kernel (or SQPOLL thread) reads SQEs only after it sees this tail. */
    void publish() {
        MemoryOrder.storeRelease(kTail, sqeTail);
    }

    /** For the safety net: changes whenever an SQE is written or submitted. */
    long mark() {
        return ((long) submittedTail << 32) | (sqeTail & 0xffffffffL);
    }

    /** SQEs written since the last {@link #markSubmitted(int)}: what an enter should submit. */
    int unsubmitted() {
        return sqeTail - submittedTail;
    }

    /** SQEs written that the kernel (or SQPOLL thread) has not consumed. The acquire pairs with the kernel's release of kHead. */
    int unconsumed() {
        return sqeTail - MemoryOrder.loadAcquire(kHead);
    }

    /** The user_data of the SQE at ring index {@code index} (one not yet consumed). */
    long userDataAt(int index) {
        return sqes.get(JAVA_LONG, (index & mask) * SQE_SIZE + USER_DATA);
    }

    /**
     * Takes back every SQE the kernel has not consumed, so no later enter submits them; returns
     * the index of the first one taken back. Only without SQPOLL, under the submit lock: then the
     * kernel reads SQEs only inside an enter that submits, and every such enter is ours.
     */
    int retract() {
        int head = MemoryOrder.loadAcquire(kHead); // pairs with the kernel's release of kHead: SQEs before it are read
        sqeTail = head;
        submittedTail = head;
        MemoryOrder.storeRelease(kTail, head); // the next enter sees a tail that no longer covers them
        return head;
    }

    void markSubmitted(int n) {
        submittedTail += n;
    }

    /**
     * Whether the SQPOLL thread sleeps. The full fence orders our tail store before this
     * flags load (liburing sq_ring_needs_enter); without it a wake-up can be lost.
     */
    boolean needsWakeup() {
        MemoryOrder.fullFence();
        return (MemoryOrder.loadOnce(kFlags) & IORING_SQ_NEED_WAKEUP) != 0;
    }

    /** For diagnostics: the shared words and our shadows, read without ordering. */
    String debugState() {
        return "sq kHead=" + MemoryOrder.loadOnce(kHead) + " kTail=" + MemoryOrder.loadOnce(kTail) + " sqeTail=" + sqeTail
                + " submittedTail=" + submittedTail + " kFlags=0x" + Integer.toHexString(MemoryOrder.loadOnce(kFlags));
    }

    /** The kernel holds completions that did not fit the CQ; an enter with GETEVENTS flushes them. */
    boolean cqOverflowed() {
        return (MemoryOrder.loadOnce(kFlags) & IORING_SQ_CQ_OVERFLOW) != 0;
    }
}
