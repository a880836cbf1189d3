package io.txring.core;

import static io.txring.uring.generated.uring_h.*;

/** Names of the opcodes txring uses, for messages and metrics ({@code "openat"}, {@code "fsync"}). */
final class OpNames {
    private static final String[] NAMES = new String[256];

    static {
        NAMES[IORING_OP_NOP] = "nop";
        NAMES[IORING_OP_READV] = "readv";
        NAMES[IORING_OP_WRITEV] = "writev";
        NAMES[IORING_OP_FSYNC] = "fsync";
        NAMES[IORING_OP_READ_FIXED] = "read_fixed";
        NAMES[IORING_OP_WRITE_FIXED] = "write_fixed";
        NAMES[IORING_OP_SYNC_FILE_RANGE] = "sync_file_range";
        NAMES[IORING_OP_TIMEOUT] = "timeout";
        NAMES[IORING_OP_ASYNC_CANCEL] = "cancel";
        NAMES[IORING_OP_FALLOCATE] = "fallocate";
        NAMES[IORING_OP_OPENAT] = "openat";
        NAMES[IORING_OP_CLOSE] = "close";
        NAMES[IORING_OP_STATX] = "statx";
        NAMES[IORING_OP_READ] = "read";
        NAMES[IORING_OP_WRITE] = "write";
        NAMES[IORING_OP_FADVISE] = "fadvise";
        NAMES[IORING_OP_MADVISE] = "madvise";
        NAMES[IORING_OP_OPENAT2] = "openat2";
        NAMES[IORING_OP_RENAMEAT] = "renameat";
        NAMES[IORING_OP_UNLINKAT] = "unlinkat";
        NAMES[IORING_OP_MKDIRAT] = "mkdirat";
        NAMES[IORING_OP_LINKAT] = "linkat";
        NAMES[IORING_OP_FTRUNCATE] = "ftruncate";
        NAMES[Op.SYSCALL_OFD_LOCK] = "fcntl"; // Op.name() adds the command
        NAMES[Op.SYSCALL_FICLONE] = "ioctl(FICLONE)";
        NAMES[Op.SYSCALL_COPY_FILE_RANGE] = "copy_file_range";
        NAMES[Op.SYSCALL_MMAP] = "mmap";
    }

    private OpNames() {}

    static String of(int opcode) {
        String n = NAMES[opcode & 0xff];
        return n != null ? n : "op " + opcode;
    }
}
