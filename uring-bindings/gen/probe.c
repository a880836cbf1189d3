/*
 * Layout probe for txring's generated bindings. Compiled with the system gcc against the
 * installed liburing and kernel uapi headers; prints every size, offset and constant the
 * bindings use, one per line, for BindingGenerator.java. See gen/regen.
 *
 *   struct NAME SIZEOF ALIGNOF
 *   field STRUCT NAME OFFSET SIZE KIND
 *         KIND: u8 s8 u16 s16 u32 s32 u64 s64 (the C type, via _Generic) | ptr | struct:NAME
 *               | ELEMKIND[COUNT] (fixed array) | flex:NAME (flexible array member, size 0)
 *   const NAME VALUE
 *   errno NAME VALUE MESSAGE
 *
 * Macros are printed as the headers define them. Enumerators (IORING_OP_*, IORING_REGISTER_*)
 * cannot be tested with #ifdef; BindingGenerator checks that every value below *_LAST has a
 * name, so a header that adds one makes regen fail until it is listed here. Constants newer
 * than the installed headers come from a table in BindingGenerator, never from here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <linux/time_types.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* The C type of an lvalue as a probe kind; "?" makes the generator fail. */
#define KIND(x) _Generic((x), \
    unsigned char: "u8", signed char: "s8", char: "s8", \
    unsigned short: "u16", short: "s16", \
    unsigned int: "u32", int: "s32", \
    unsigned long: "u64", long: "s64", \
    unsigned long long: "u64", long long: "s64", \
    default: "?")
#define S(T) printf("struct %s %zu %zu\n", #T, sizeof(struct T), _Alignof(struct T))
#define F(T, f) printf("field %s %s %zu %zu %s\n", #T, #f, offsetof(struct T, f), sizeof(((struct T *)0)->f), KIND(((struct T *)0)->f))
#define P(T, f) printf("field %s %s %zu %zu ptr\n", #T, #f, offsetof(struct T, f), sizeof(((struct T *)0)->f))
#define N(T, f, U) printf("field %s %s %zu %zu struct:%s\n", #T, #f, offsetof(struct T, f), sizeof(((struct T *)0)->f), #U)
#define A(T, f) printf("field %s %s %zu %zu %s[%zu]\n", #T, #f, offsetof(struct T, f), sizeof(((struct T *)0)->f), \
    KIND(((struct T *)0)->f[0]), sizeof(((struct T *)0)->f) / sizeof(((struct T *)0)->f[0]))
#define C(x) printf("const %s %lld\n", #x, (long long)(x))
#define E(x) printf("errno %s %d %s\n", #x, x, strerror(x))

int main(void) {
    S(io_uring_sqe);
    F(io_uring_sqe, opcode); F(io_uring_sqe, flags); F(io_uring_sqe, ioprio); F(io_uring_sqe, fd);
    F(io_uring_sqe, off); F(io_uring_sqe, addr2); F(io_uring_sqe, addr); F(io_uring_sqe, splice_off_in);
    F(io_uring_sqe, len); F(io_uring_sqe, rw_flags); F(io_uring_sqe, fsync_flags); F(io_uring_sqe, poll32_events);
    F(io_uring_sqe, sync_range_flags); F(io_uring_sqe, msg_flags); F(io_uring_sqe, timeout_flags);
    F(io_uring_sqe, accept_flags); F(io_uring_sqe, cancel_flags); F(io_uring_sqe, open_flags);
    F(io_uring_sqe, statx_flags); F(io_uring_sqe, fadvise_advice); F(io_uring_sqe, splice_flags);
    F(io_uring_sqe, rename_flags); F(io_uring_sqe, unlink_flags); F(io_uring_sqe, hardlink_flags);
    F(io_uring_sqe, user_data); F(io_uring_sqe, buf_index); F(io_uring_sqe, buf_group); F(io_uring_sqe, personality);
    F(io_uring_sqe, splice_fd_in); F(io_uring_sqe, file_index); F(io_uring_sqe, addr3);

    S(io_uring_cqe);
    F(io_uring_cqe, user_data); F(io_uring_cqe, res); F(io_uring_cqe, flags);

    S(io_sqring_offsets);
    F(io_sqring_offsets, head); F(io_sqring_offsets, tail); F(io_sqring_offsets, ring_mask);
    F(io_sqring_offsets, ring_entries); F(io_sqring_offsets, flags); F(io_sqring_offsets, dropped);
    F(io_sqring_offsets, array); F(io_sqring_offsets, resv1); F(io_sqring_offsets, resv2);
    S(io_cqring_offsets);
    F(io_cqring_offsets, head); F(io_cqring_offsets, tail); F(io_cqring_offsets, ring_mask);
    F(io_cqring_offsets, ring_entries); F(io_cqring_offsets, overflow); F(io_cqring_offsets, cqes);
    F(io_cqring_offsets, flags); F(io_cqring_offsets, resv1); F(io_cqring_offsets, resv2);

    S(io_uring_params);
    F(io_uring_params, sq_entries); F(io_uring_params, cq_entries); F(io_uring_params, flags);
    F(io_uring_params, sq_thread_cpu); F(io_uring_params, sq_thread_idle); F(io_uring_params, features);
    F(io_uring_params, wq_fd); A(io_uring_params, resv);
    N(io_uring_params, sq_off, io_sqring_offsets); N(io_uring_params, cq_off, io_cqring_offsets);

    S(io_uring_sq);
    P(io_uring_sq, khead); P(io_uring_sq, ktail); P(io_uring_sq, kring_mask); P(io_uring_sq, kring_entries);
    P(io_uring_sq, kflags); P(io_uring_sq, kdropped); P(io_uring_sq, array); P(io_uring_sq, sqes);
    F(io_uring_sq, sqe_head); F(io_uring_sq, sqe_tail); F(io_uring_sq, ring_sz); P(io_uring_sq, ring_ptr);
    F(io_uring_sq, ring_mask); F(io_uring_sq, ring_entries);
    S(io_uring_cq);
    P(io_uring_cq, khead); P(io_uring_cq, ktail); P(io_uring_cq, kring_mask); P(io_uring_cq, kring_entries);
    P(io_uring_cq, kflags); P(io_uring_cq, koverflow); P(io_uring_cq, cqes);
    F(io_uring_cq, ring_sz); P(io_uring_cq, ring_ptr); F(io_uring_cq, ring_mask); F(io_uring_cq, ring_entries);
    S(io_uring);
    N(io_uring, sq, io_uring_sq); N(io_uring, cq, io_uring_cq); F(io_uring, flags); F(io_uring, ring_fd);
    F(io_uring, features); F(io_uring, enter_ring_fd); F(io_uring, int_flags);

    S(io_uring_probe_op);
    F(io_uring_probe_op, op); F(io_uring_probe_op, resv); F(io_uring_probe_op, flags); F(io_uring_probe_op, resv2);
    S(io_uring_probe);
    F(io_uring_probe, last_op); F(io_uring_probe, ops_len); F(io_uring_probe, resv); A(io_uring_probe, resv2);
    printf("field io_uring_probe ops %zu 0 flex:io_uring_probe_op\n", offsetof(struct io_uring_probe, ops));

    S(statx_timestamp);
    F(statx_timestamp, tv_sec); F(statx_timestamp, tv_nsec);
    S(statx);
    F(statx, stx_mask); F(statx, stx_blksize); F(statx, stx_attributes); F(statx, stx_nlink); F(statx, stx_uid);
    F(statx, stx_gid); F(statx, stx_mode); F(statx, stx_ino); F(statx, stx_size); F(statx, stx_blocks);
    F(statx, stx_attributes_mask);
    N(statx, stx_atime, statx_timestamp); N(statx, stx_btime, statx_timestamp);
    N(statx, stx_ctime, statx_timestamp); N(statx, stx_mtime, statx_timestamp);
    F(statx, stx_rdev_major); F(statx, stx_rdev_minor); F(statx, stx_dev_major); F(statx, stx_dev_minor);
    F(statx, stx_mnt_id); F(statx, stx_dio_mem_align); F(statx, stx_dio_offset_align);

    S(open_how);
    F(open_how, flags); F(open_how, mode); F(open_how, resolve);
    S(iovec);
    P(iovec, iov_base); F(iovec, iov_len);
    S(__kernel_timespec);
    F(__kernel_timespec, tv_sec); F(__kernel_timespec, tv_nsec);
    S(flock);
    F(flock, l_type); F(flock, l_whence); F(flock, l_start); F(flock, l_len); F(flock, l_pid);

    /* opcodes */
    C(IORING_OP_NOP); C(IORING_OP_READV); C(IORING_OP_WRITEV); C(IORING_OP_FSYNC); C(IORING_OP_READ_FIXED);
    C(IORING_OP_WRITE_FIXED); C(IORING_OP_POLL_ADD); C(IORING_OP_POLL_REMOVE); C(IORING_OP_SYNC_FILE_RANGE);
    C(IORING_OP_SENDMSG); C(IORING_OP_RECVMSG); C(IORING_OP_TIMEOUT); C(IORING_OP_TIMEOUT_REMOVE);
    C(IORING_OP_ACCEPT); C(IORING_OP_ASYNC_CANCEL); C(IORING_OP_LINK_TIMEOUT); C(IORING_OP_CONNECT);
    C(IORING_OP_FALLOCATE); C(IORING_OP_OPENAT); C(IORING_OP_CLOSE); C(IORING_OP_FILES_UPDATE);
    C(IORING_OP_STATX); C(IORING_OP_READ); C(IORING_OP_WRITE); C(IORING_OP_FADVISE); C(IORING_OP_MADVISE);
    C(IORING_OP_SEND); C(IORING_OP_RECV); C(IORING_OP_OPENAT2); C(IORING_OP_EPOLL_CTL); C(IORING_OP_SPLICE);
    C(IORING_OP_PROVIDE_BUFFERS); C(IORING_OP_REMOVE_BUFFERS); C(IORING_OP_TEE); C(IORING_OP_SHUTDOWN);
    C(IORING_OP_RENAMEAT); C(IORING_OP_UNLINKAT); C(IORING_OP_MKDIRAT); C(IORING_OP_SYMLINKAT);
    C(IORING_OP_LINKAT); C(IORING_OP_MSG_RING); C(IORING_OP_FSETXATTR); C(IORING_OP_SETXATTR);
    C(IORING_OP_FGETXATTR); C(IORING_OP_GETXATTR); C(IORING_OP_SOCKET); C(IORING_OP_URING_CMD);
    C(IORING_OP_SEND_ZC); C(IORING_OP_SENDMSG_ZC);
    C(IORING_OP_LAST);
    /* SQE flags */
    C(IOSQE_FIXED_FILE); C(IOSQE_IO_DRAIN); C(IOSQE_IO_LINK); C(IOSQE_IO_HARDLINK); C(IOSQE_ASYNC);
    C(IOSQE_BUFFER_SELECT); C(IOSQE_CQE_SKIP_SUCCESS);
    /* setup flags */
    C(IORING_SETUP_IOPOLL); C(IORING_SETUP_SQPOLL); C(IORING_SETUP_SQ_AFF); C(IORING_SETUP_CQSIZE);
    C(IORING_SETUP_CLAMP); C(IORING_SETUP_ATTACH_WQ); C(IORING_SETUP_R_DISABLED); C(IORING_SETUP_SUBMIT_ALL);
    C(IORING_SETUP_COOP_TASKRUN); C(IORING_SETUP_TASKRUN_FLAG); C(IORING_SETUP_SQE128); C(IORING_SETUP_CQE32);
    C(IORING_SETUP_SINGLE_ISSUER); C(IORING_SETUP_DEFER_TASKRUN);
    /* enter flags, ring flags, CQE flags */
    C(IORING_ENTER_GETEVENTS); C(IORING_ENTER_SQ_WAKEUP); C(IORING_ENTER_SQ_WAIT); C(IORING_ENTER_EXT_ARG);
    C(IORING_ENTER_REGISTERED_RING);
    C(IORING_SQ_NEED_WAKEUP); C(IORING_SQ_CQ_OVERFLOW); C(IORING_SQ_TASKRUN);
    C(IORING_CQE_F_BUFFER); C(IORING_CQE_F_MORE); C(IORING_CQE_F_SOCK_NONEMPTY); C(IORING_CQE_F_NOTIF);
    C(IORING_CQ_EVENTFD_DISABLED);
    /* features */
    C(IORING_FEAT_SINGLE_MMAP); C(IORING_FEAT_NODROP); C(IORING_FEAT_SUBMIT_STABLE); C(IORING_FEAT_RW_CUR_POS);
    C(IORING_FEAT_CUR_PERSONALITY); C(IORING_FEAT_FAST_POLL); C(IORING_FEAT_POLL_32BITS);
    C(IORING_FEAT_SQPOLL_NONFIXED); C(IORING_FEAT_EXT_ARG); C(IORING_FEAT_NATIVE_WORKERS);
    C(IORING_FEAT_RSRC_TAGS); C(IORING_FEAT_CQE_SKIP); C(IORING_FEAT_LINKED_FILE);
    /* op-specific flags */
    C(IORING_FSYNC_DATASYNC);
    C(IORING_TIMEOUT_ABS); C(IORING_TIMEOUT_UPDATE); C(IORING_TIMEOUT_BOOTTIME); C(IORING_TIMEOUT_REALTIME);
    C(IORING_LINK_TIMEOUT_UPDATE); C(IORING_TIMEOUT_ETIME_SUCCESS);
    C(IORING_ASYNC_CANCEL_ALL); C(IORING_ASYNC_CANCEL_FD); C(IORING_ASYNC_CANCEL_ANY); C(IORING_ASYNC_CANCEL_FD_FIXED);
    C(IORING_FILE_INDEX_ALLOC);
    C(IORING_OFF_SQ_RING); C(IORING_OFF_CQ_RING); C(IORING_OFF_SQES);
    /* io_uring_register(2) opcodes */
    C(IORING_REGISTER_BUFFERS); C(IORING_UNREGISTER_BUFFERS); C(IORING_REGISTER_FILES); C(IORING_UNREGISTER_FILES);
    C(IORING_REGISTER_EVENTFD); C(IORING_UNREGISTER_EVENTFD); C(IORING_REGISTER_FILES_UPDATE);
    C(IORING_REGISTER_EVENTFD_ASYNC); C(IORING_REGISTER_PROBE); C(IORING_REGISTER_PERSONALITY);
    C(IORING_UNREGISTER_PERSONALITY); C(IORING_REGISTER_RESTRICTIONS); C(IORING_REGISTER_ENABLE_RINGS);
    C(IORING_REGISTER_FILES2); C(IORING_REGISTER_FILES_UPDATE2); C(IORING_REGISTER_BUFFERS2);
    C(IORING_REGISTER_BUFFERS_UPDATE); C(IORING_REGISTER_IOWQ_AFF); C(IORING_UNREGISTER_IOWQ_AFF);
    C(IORING_REGISTER_IOWQ_MAX_WORKERS); C(IORING_REGISTER_RING_FDS); C(IORING_UNREGISTER_RING_FDS);
    C(IORING_REGISTER_PBUF_RING); C(IORING_UNREGISTER_PBUF_RING); C(IORING_REGISTER_SYNC_CANCEL);
    C(IORING_REGISTER_FILE_ALLOC_RANGE); C(IORING_REGISTER_LAST);
#ifdef IORING_RSRC_REGISTER_SPARSE
    C(IORING_RSRC_REGISTER_SPARSE);
#endif
    C(IO_URING_OP_SUPPORTED);
    /* fcntl.h / openat2 / rename / statx */
    C(AT_FDCWD); C(AT_REMOVEDIR); C(AT_SYMLINK_NOFOLLOW); C(AT_SYMLINK_FOLLOW); C(AT_EMPTY_PATH);
    C(AT_STATX_SYNC_AS_STAT);
    C(O_RDONLY); C(O_WRONLY); C(O_RDWR); C(O_CREAT); C(O_EXCL); C(O_TRUNC); C(O_APPEND); C(O_DIRECTORY);
    C(O_NOFOLLOW); C(O_CLOEXEC); C(O_DIRECT); C(O_DSYNC); C(O_SYNC); C(O_PATH); C(O_TMPFILE); C(O_NONBLOCK);
    C(RESOLVE_NO_XDEV); C(RESOLVE_NO_MAGICLINKS); C(RESOLVE_NO_SYMLINKS); C(RESOLVE_BENEATH); C(RESOLVE_IN_ROOT);
    C(RESOLVE_CACHED);
    C(RENAME_NOREPLACE); C(RENAME_EXCHANGE); C(RENAME_WHITEOUT);
    C(STATX_TYPE); C(STATX_MODE); C(STATX_NLINK); C(STATX_UID); C(STATX_GID); C(STATX_ATIME); C(STATX_MTIME);
    C(STATX_CTIME); C(STATX_INO); C(STATX_SIZE); C(STATX_BLOCKS); C(STATX_BASIC_STATS); C(STATX_BTIME);
    C(STATX_ALL);
    C(SYNC_FILE_RANGE_WAIT_BEFORE); C(SYNC_FILE_RANGE_WRITE); C(SYNC_FILE_RANGE_WAIT_AFTER);
    C(FALLOC_FL_KEEP_SIZE); C(FALLOC_FL_PUNCH_HOLE);
    C(POSIX_FADV_NORMAL); C(POSIX_FADV_RANDOM); C(POSIX_FADV_SEQUENTIAL); C(POSIX_FADV_WILLNEED);
    C(POSIX_FADV_DONTNEED); C(POSIX_FADV_NOREUSE);
    C(MADV_NORMAL); C(MADV_RANDOM); C(MADV_SEQUENTIAL); C(MADV_WILLNEED); C(MADV_DONTNEED);
    C(PROT_NONE); C(PROT_READ); C(PROT_WRITE); C(PROT_EXEC); C(MAP_SHARED); C(MAP_PRIVATE); C(MS_ASYNC); C(MS_SYNC);
    C(F_OFD_GETLK); C(F_OFD_SETLK); C(F_OFD_SETLKW); C(F_RDLCK); C(F_WRLCK); C(F_UNLCK); C(SEEK_SET);
    C(FICLONE); C(SYS_openat2);
    C(S_IFMT); C(S_IFREG); C(S_IFDIR); C(S_IFLNK);

    E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG); E(EBADF); E(EAGAIN); E(ENOMEM);
    E(EACCES); E(EFAULT); E(EBUSY); E(EEXIST); E(EXDEV); E(ENODEV); E(ENOTDIR); E(EISDIR); E(EINVAL);
    E(ENFILE); E(EMFILE); E(ENOTTY); E(EFBIG); E(ENOSPC); E(ESPIPE); E(EROFS); E(EMLINK); E(EPIPE); E(ERANGE);
    E(ENAMETOOLONG); E(ENOSYS); E(ENOTEMPTY); E(ELOOP); E(EOPNOTSUPP); E(ENOTSUP); E(ETIME); E(ETIMEDOUT); E(ECANCELED);
    E(EALREADY); E(EDQUOT); E(EOVERFLOW); E(ENOLCK); E(ESTALE);
    return 0;
}
