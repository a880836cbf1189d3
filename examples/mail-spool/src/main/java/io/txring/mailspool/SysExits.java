package io.txring.mailspool;

/** BSD sysexits.h codes, as MTAs expect from a delivery agent. */
public final class SysExits {
    private SysExits() {}

    public static final int OK = 0;
    /** Command line usage error. */
    public static final int USAGE = 64;
    /** The input data was incorrect. */
    public static final int DATAERR = 65;
    /** Addressee unknown (here: an address that names no valid mailbox). */
    public static final int NOUSER = 67;
    /** Internal software error. */
    public static final int SOFTWARE = 70;
    /** A (user specified) output file cannot be created. */
    public static final int CANTCREAT = 73;
    /** An error occurred while doing I/O on some file. */
    public static final int IOERR = 74;
    /** Temporary failure: the MTA should retry later. */
    public static final int TEMPFAIL = 75;
    /** Permission denied. */
    public static final int NOPERM = 77;
    /** A service is unavailable (e.g. the listen address is taken). */
    public static final int UNAVAILABLE = 69;
}
