package io.txring.mailspool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Maildir unique name, {@code <sec>.M<usec>P<pid>V<dev>I<ino>Q<n>.<host>,S=<size>}
 * (cr.yp.to/proto/maildir.html, with Courier's {@code ,S=} size that Dovecot reads).
 * Unique because no two deliveries share pid and counter within one microsecond on one
 * host, and the device/inode pair is the file's own while it exists.
 *
 * @param seconds epoch seconds of the delivery
 * @param micros  the microseconds within that second
 * @param pid     this process
 * @param dev     the message file's device, in glibc's {@code dev_t} encoding (as {@code stat} shows it)
 * @param ino     the message file's inode
 * @param counter deliveries made by this process before this one
 * @param host    the host name, with '/' and ':' escaped as the spec says
 */
public record MaildirName(long seconds, long micros, long pid, long dev, long ino, long counter, String host) {
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final long PID = ProcessHandle.current().pid();
    private static final String HOST = escapeHost(hostName());

    /** A name for a delivery starting now; dev and ino are filled in once the file exists. */
    public static MaildirName next() {
        Instant now = Instant.now();
        return new MaildirName(now.getEpochSecond(), now.getNano() / 1000, PID, 0, 0, COUNTER.getAndIncrement(), HOST);
    }

    /** This name with the file's identity (major/minor as txn's {@code VersionStamp.dev()} gives them). */
    public MaildirName withFile(long majorMinor, long inode) {
        return new MaildirName(seconds, micros, pid, encodeDev(majorMinor), inode, counter, host);
    }

    /** The final name for a message of {@code size} bytes. */
    public String withSize(long size) {
        return seconds + ".M" + micros + "P" + pid + "V" + Long.toHexString(dev) + "I" + Long.toHexString(ino)
                + "Q" + counter + "." + host + ",S=" + size;
    }

    /** The {@code ,S=} size a name carries (before any {@code :2,} info), if any. */
    public static OptionalLong sizeOf(String name) {
        int colon = name.indexOf(':');
        String base = colon >= 0 ? name.substring(0, colon) : name;
        int s = base.indexOf(",S=");
        if (s < 0) return OptionalLong.empty();
        int end = s + 3;
        while (end < base.length() && Character.isDigit(base.charAt(end))) end++;
        if (end == s + 3) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(base.substring(s + 3, end)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The spec: "replace / with \057 and : with \072" so the host cannot break the name. */
    static String escapeHost(String host) {
        return host.replace("/", "\\057").replace(":", "\\072");
    }

    /** glibc's makedev, so V matches what {@code stat -c %D} and other MDAs show. */
    static long encodeDev(long majorMinor) {
        long major = majorMinor >>> 32, minor = majorMinor & 0xffffffffL;
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    private static String hostName() {
        try { // the kernel's name, without a DNS lookup
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            if (!h.isEmpty()) return h;
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? "localhost" : env.strip();
    }

    /** The (escaped) host name used in names. */
    public static String localHost() {
        return HOST;
    }
}
