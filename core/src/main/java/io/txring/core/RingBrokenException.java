package io.txring.core;

/**
 * The ring can no longer run ops: its reaper (or a thread reaping for it) failed, or the kernel
 * refused the ring itself. Every op in flight at that moment failed with this exception, and
 * every later call fails fast with it; the cause says what broke. Close the ring and open a new one.
 */
public final class RingBrokenException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    RingBrokenException(String ring, Throwable cause) {
        super("txring: " + ring + " is broken and refuses work: " + cause, cause);
    }
}
