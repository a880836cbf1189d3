package io.txring.core;

/**
 * What txring puts in {@code user_data}: a slot index and that slot's generation, so a
 * late or duplicated completion for a recycled slot is recognised instead of misdelivered.
 */
final class UserData {
    /** Completions of internal ops (wake-up NOPs) carry this and are dropped. */
    static final long INTERNAL = -1L;

    private UserData() {}

    static long encode(int slot, int generation) {
        return ((long) generation << 32) | (slot & 0xffffffffL);
    }

    static int slot(long userData) {
        return (int) userData;
    }

    static int generation(long userData) {
        return (int) (userData >>> 32);
    }
}
