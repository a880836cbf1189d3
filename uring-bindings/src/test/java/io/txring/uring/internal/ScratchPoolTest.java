package io.txring.uring.internal;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ScratchPool}: cells reused once released, never while held, and never again if never released. */
class ScratchPoolTest {
    @Test
    void aReleasedCellIsReusedAndAHeldOneNeverIs() {
        ScratchPool pool = new ScratchPool(2, 64, 1024);
        ScratchPool.Lease abandoned = pool.acquire(64); // never released: as after a ring broke with its op in flight
        long abandonedAt = abandoned.memory().address();
        ScratchPool.Lease other = pool.acquire(64);
        long otherAt = other.memory().address();
        assertNotEquals(abandonedAt, otherAt);
        other.release();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            ScratchPool.Lease l = pool.acquire(32);
            seen.add(l.memory().address());
            l.release();
        }
        assertEquals(Set.of(otherAt), seen, "every acquire got the free cell, never the held one");
        abandoned.memory().fill((byte) 7); // still valid memory
    }

    @Test
    void everyCellTakenGivesOneOffMemoryAndLargeRequestsToo() {
        ScratchPool pool = new ScratchPool(1, 64, 1024);
        ScratchPool.Lease cell = pool.acquire(16);
        ScratchPool.Lease oneOff = pool.acquire(16);
        assertNotEquals(cell.memory().address(), oneOff.memory().address());
        assertTrue(oneOff.memory().byteSize() >= 16);
        oneOff.release();
        assertThrows(IllegalStateException.class, oneOff::memory, "released one-off memory is gone");
        cell.release();
        ScratchPool.Lease big = pool.acquire(4096); // above maxCachedBytes: never cached
        assertTrue(big.memory().byteSize() >= 4096);
        big.release();
        ScratchPool.Lease again = pool.acquire(16);
        assertEquals(64, again.memory().byteSize(), "the cell did not grow for the large request");
        again.release();
    }

    @Test
    void aCellGrowsToFitAndAReleaseIsOnce() {
        ScratchPool pool = new ScratchPool(1, 64, 1 << 20);
        ScratchPool.Lease l = pool.acquire(1000);
        assertTrue(l.memory().byteSize() >= 1000);
        l.release();
        assertThrows(IllegalStateException.class, l::release);
        ScratchPool.Lease m = pool.acquire(10);
        assertTrue(m.memory().byteSize() >= 1000, "the grown cell is kept");
        m.release();
    }
}
