package io.txring.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Preallocated in-flight slots: one per op between submission and delivery. A slot's
 * index and generation travel in {@code user_data} ({@link UserData}); nothing is
 * allocated per op. The free list is guarded by the ring's submit lock; the
 * done flag is the one word the reaper and a waiting thread share.
 *
 * <p>Each slot also lends its op native memory for the paths, {@code open_how} or timespec
 * the kernel reads ({@link Op#bind}): allocated on a slot's first such op and reused by the
 * next, it is exactly as long-lived as it must be — a slot is released only after its op's
 * completion has been consumed, and never after the ring broke.
 */
final class Slots {
    private static final VarHandle DONE = MethodHandles.arrayElementVarHandle(int[].class);

    final int capacity;
    private final int[] generation;
    final int[] res;
    final int[] cflags;
    final Object[] target;
    final Op[] op;
    /** The owner's own tag for the slot: a queue's sequence number, a chain's index. */
    final long[] tag;
    private final int[] done;
    /** Set once the completer's unpark of a parked caller has returned: the safety net tells a slow completer from a lost unpark by it. */
    private final int[] unparked;
    private final int[] free;
    private int freeCount;
    /** Each slot's memory for {@link Op#bind}, or null until it first needs some. */
    private final MemorySegment[] mem;
    /** Memory of ops in flight when their ring broke: the kernel may still read it, so it is never freed. */
    private static final Queue<MemorySegment> STRANDED = new ConcurrentLinkedQueue<>();
    private static final long MIN_MEM = 256;

    Slots(int capacity) {
        this.capacity = capacity;
        generation = new int[capacity];
        res = new int[capacity];
        cflags = new int[capacity];
        target = new Object[capacity];
        op = new Op[capacity];
        tag = new long[capacity];
        done = new int[capacity];
        unparked = new int[capacity];
        free = new int[capacity];
        mem = new MemorySegment[capacity];
        for (int i = 0; i < capacity; i++) free[i] = capacity - 1 - i;
        freeCount = capacity;
    }

    /** Guarded by the submit lock. */
    int available() {
        return freeCount;
    }

    int inFlight() {
        return capacity - freeCount;
    }

    /** Guarded by the submit lock; the caller checked {@link #available()}. Returns the user_data. */
    long claim(Object owner, Op o, long ownerTag) {
        int slot = free[freeCount - 1];
        if (o.mem != Op.MEM_NONE) o.bind(memory(slot, o.memBytes())); // before the slot is taken: a failure leaves it free
        freeCount--;
        target[slot] = owner;
        tag[slot] = ownerTag;
        op[slot] = o;
        DONE.setOpaque(done, slot, 0);
        DONE.setOpaque(unparked, slot, 0);
        long ud = UserData.encode(slot, generation[slot]);
        o.userData = ud;
        return ud;
    }

    /** Guarded by the submit lock: slot {@code slot}'s memory, at least {@code bytes}. */
    private MemorySegment memory(int slot, long bytes) {
        MemorySegment m = mem[slot];
        if (m == null || m.byteSize() < bytes) {
            // The slot is free, so its old memory is in no op's hands: the GC may free it.
            m = Arena.ofAuto().allocate(Math.max(MIN_MEM, Long.highestOneBit(bytes - 1) << 1), 16);
            mem[slot] = m;
        }
        return m;
    }

    /** Under the submit lock, as the ring breaks with {@code slot}'s op in flight: its memory outlives the ring. */
    void strand(int slot) {
        MemorySegment m = mem[slot];
        if (m != null) STRANDED.add(m);
    }

    /** Guarded by the submit lock: the slot's completion has been consumed. */
    void release(int slot) {
        generation[slot]++;
        target[slot] = null;
        op[slot] = null;
        free[freeCount++] = slot;
    }

    /** The slot's current generation (the safety net tells one use of a slot from the next by it). */
    int generation(int slot) {
        return generation[slot];
    }

    /** The slot a completion's user_data names, or -1 for a stale or foreign user_data. */
    int slotOf(long userData) {
        int slot = UserData.slot(userData);
        if (slot < 0 || slot >= capacity || generation[slot] != UserData.generation(userData) || target[slot] == null) {
            return -1;
        }
        return slot;
    }

    /** Reaper side: records the completion of a slot {@link #slotOf} returned. */
    void record(int slot, int result, int flags) {
        res[slot] = result;
        cflags[slot] = flags;
        DONE.setRelease(done, slot, 1); // pairs with isDone's acquire: res/cflags are visible first
    }

    /** Completer side: the waiter's unpark has been issued. */
    void markUnparked(int slot) {
        DONE.setOpaque(unparked, slot, 1); // only the safety net reads it, a slice later: no ordering needed
    }

    boolean isUnparked(int slot) {
        return (int) DONE.getOpaque(unparked, slot) != 0;
    }

    boolean isDone(int slot) {
        return (int) DONE.getAcquire(done, slot) != 0;
    }
}
