package io.txring.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The mount that holds a path, as {@code /proc/self/mounts} lists it (fstab(5) layout, octal escapes for blanks). */
public final class Mounts {
    /** A line of /proc/self/mounts: {@code source} is e.g. {@code /dev/loop0}, {@code options} e.g. {@code rw,relatime}. */
    public record Mount(String source, String point, String type, String options) {}

    private Mounts() {}

    /** Every mount of this process's namespace, in mount order. */
    public static List<Mount> all() throws IOException {
        return parse(Files.readAllLines(Path.of("/proc/self/mounts")));
    }

    /** The mount whose mount point is the longest prefix of {@code p}'s real path. */
    public static Optional<Mount> holding(Path p) throws IOException {
        return holding(p.toRealPath().toString(), all());
    }

    static List<Mount> parse(List<String> mountsLines) {
        List<Mount> out = new ArrayList<>();
        for (String line : mountsLines) {
            String[] f = line.split(" ");
            if (f.length >= 4) out.add(new Mount(unescape(f[0]), unescape(f[1]), f[2], f[3]));
        }
        return out;
    }

    /** The last of equally long mount points wins: a later mount hides an earlier one on the same directory. */
    static Optional<Mount> holding(String realPath, List<Mount> mounts) {
        Mount best = null;
        for (Mount m : mounts) {
            String point = m.point();
            boolean holds = realPath.equals(point) || realPath.startsWith(point.endsWith("/") ? point : point + "/");
            if (holds && (best == null || point.length() >= best.point().length())) best = m;
        }
        return Optional.ofNullable(best);
    }

    /** The kernel writes space, tab, newline and backslash in a field as {@code \ooo}. */
    static String unescape(String field) {
        StringBuilder b = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                b.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) return false;
        for (int i = from; i < from + 3; i++) if (s.charAt(i) < '0' || s.charAt(i) > '7') return false;
        return true;
    }
}
