package io.txring.txn;

/**
 * What a file was when a transaction first touched it, from statx. Every txring commit
 * replaces the inode, so a committed change always changes the stamp.
 *
 * @param dev   device ({@code major << 32 | minor}), 0 when absent
 * @param ino   inode number, 0 when absent
 * @param size  bytes
 * @param mtimeNs modification time, ns since the epoch
 * @param ctimeNs status change time, ns since the epoch
 * @param permissions the permission bits (mode &amp; 07777); a replacement keeps them
 */
public record VersionStamp(long dev, long ino, long size, long mtimeNs, long ctimeNs, int permissions) {
    /** The stamp of a path that does not exist. */
    public static final VersionStamp ABSENT = new VersionStamp(0, 0, -1, 0, 0, 0);

    public boolean exists() {
        return this != ABSENT && size >= 0;
    }

    /** What changed between {@code this} (seen) and {@code now}, for conflict messages. */
    String describeChange(VersionStamp now) {
        if (exists() && !now.exists()) return "deleted";
        if (!exists() && now.exists()) return "created";
        if (ino != now.ino || dev != now.dev) return "replaced (inode " + ino + " → " + now.ino + ")";
        if (size != now.size) return "size " + size + " → " + now.size;
        if (mtimeNs != now.mtimeNs) return "modified";
        return "metadata changed";
    }
}
