package io.txring.uring.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Reusable native memory for calls that need it only until they complete (an errno capture, a
 * {@code struct flock}, a statx buffer, a path, bytes to write): a fixed set of cells, each held
 * by one caller at a time. Not per thread: a virtual thread may take a cell, park and resume on
 * another carrier, and there are as many cells however many threads come and go. A caller that
 * finds every cell taken gets one-off memory, freed when it is released.
 *
 * <p>The rule that keeps the kernel from writing into reused memory: release a lease only once
 * nothing — no syscall, no ring op — can still use its memory. A lease never released (its op may
 * still be in flight because the caller gave up, or the ring broke) keeps its memory for good:
 * the cell stays taken, one-off memory is never freed. A pool lives as long as the process (a
 * static field), so a taken cell's memory stays reachable and is never freed either.
 */
public final class ScratchPool {
    private static final VarHandle TAKEN = MethodHandles.arrayElementVarHandle(int[].class);
    /** One flag per 64-byte line: threads taking neighbouring cells do not share a cache line. */
    private static final int STRIDE = 16;
    private static final long ALIGN = 16;

    private final Lease[] cells;
    private final int[] taken;
    private final long initialBytes;
    private final long maxCachedBytes;

    /**
     * {@code cells} leases; a cell's memory starts at {@code initialBytes} and grows (by powers of
     * two) up to {@code maxCachedBytes}; larger requests always get one-off memory.
     */
    public ScratchPool(int cells, long initialBytes, long maxCachedBytes) {
        if (cells < 1 || initialBytes < 1 || maxCachedBytes < initialBytes) {
            throw new IllegalArgumentException("cells " + cells + ", initialBytes " + initialBytes + ", maxCachedBytes " + maxCachedBytes);
        }
        this.cells = new Lease[cells];
        this.taken = new int[cells * STRIDE];
        this.initialBytes = initialBytes;
        this.maxCachedBytes = maxCachedBytes;
        for (int i = 0; i < cells; i++) this.cells[i] = new Lease(this, i);
    }

    /** A lease on at least {@code bytes} bytes (16-byte aligned, contents undefined); release it when nothing uses them. */
    public Lease acquire(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("bytes " + bytes);
        if (bytes <= maxCachedBytes) {
            int n = cells.length;
            int i = (int) Math.floorMod(Thread.currentThread().threadId(), (long) n); // spreads threads over the cells
            for (int k = 0; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
                if ((int) TAKEN.getOpaque(taken, i * STRIDE) == 0 && TAKEN.compareAndSet(taken, i * STRIDE, 0, 1)) {
                    Lease cell = cells[i];
                    cell.fit(bytes);
                    cell.held = true;
                    return cell;
                }
            }
        }
        Lease oneOff = new Lease(this, -1);
        oneOff.arena = Arena.ofConfined(); // freed at release; never, if it is never released
        oneOff.memory = oneOff.arena.allocate(Math.max(bytes, 1), ALIGN);
        oneOff.held = true;
        return oneOff;
    }

    /** One cell (or one-off memory) held by one caller. */
    public static final class Lease {
        private final ScratchPool pool;
        private final int cell;
        private MemorySegment memory;
        private Arena arena;
        private boolean held;

        private Lease(ScratchPool pool, int cell) {
            this.pool = pool;
            this.cell = cell;
        }

        /** Grows a free cell's memory to {@code bytes}: its old memory is in no op's hands, so the GC may free it. */
        private void fit(long bytes) {
            if (memory != null && memory.byteSize() >= bytes) return;
            long size = Math.max(pool.initialBytes, Long.highestOneBit(Math.max(bytes, 1) - 1) << 1);
            memory = Arena.ofAuto().allocate(Math.min(size, pool.maxCachedBytes), ALIGN);
        }

        /** The leased memory: at least the bytes asked for. */
        public MemorySegment memory() {
            if (!held) throw new IllegalStateException("lease already released");
            return memory;
        }

        /** Hands the memory back. Only once nothing can use it any more: see {@link ScratchPool}. */
        public void release() {
            if (!held) throw new IllegalStateException("lease already released");
            held = false;
            if (cell >= 0) {
                TAKEN.setRelease(pool.taken, cell * STRIDE, 0); // our writes to the memory happen-before the next taker's
            } else {
                arena.close();
            }
        }
    }
}
