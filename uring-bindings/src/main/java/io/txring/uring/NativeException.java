package io.txring.uring;

import io.txring.uring.generated.Errno;
import java.io.IOException;

/**
 * A system call or io_uring op failed: names the operation, the path when known, and the
 * errno by name, e.g. {@code openat("/srv/spool/x"): ENOENT (No such file or directory)}.
 */
public class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final String path;
    private final int errno;

    public NativeException(String operation, String path, int errno) {
        super(operation + (path != null ? "(\"" + path + "\")" : "") + ": " + Errno.name(errno) + " (" + Errno.message(errno) + ")");
        this.operation = operation;
        this.path = path;
        this.errno = Math.abs(errno);
    }

    /** {@code errno} may be given as a negative result ({@code -errno}) or positive. */
    public static NativeException of(String operation, String path, int errno) {
        return new NativeException(operation, path, errno);
    }

    public String operation() { return operation; }

    /** The path the operation named, or {@code null}. */
    public String path() { return path; }

    /** The positive errno value. */
    public int errno() { return errno; }

    public String errnoName() { return Errno.name(errno); }
}
