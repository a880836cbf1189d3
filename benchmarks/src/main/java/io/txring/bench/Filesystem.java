package io.txring.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A filesystem of {@code ./txring bench --filesystems}: {@code root} is the {@code --scratch}
 * directory's own filesystem (the root disk by default); the others are fresh images that
 * {@link LoopMount} makes, formats with their mkfs and loop-mounts for the run.
 */
enum Filesystem {
    ROOT(null, null, List.of()),
    // the inode tables and journal are written now, not by ext4lazyinit in the background during the rounds
    EXT4("mkfs.ext4", "e2fsprogs", List.of("-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0")),
    XFS("mkfs.xfs", "xfsprogs", List.of("-q", "-f")),
    BTRFS("mkfs.btrfs", "btrfs-progs", List.of("-q", "-f"));

    /** Where mkfs tools live on Debian; root's PATH has them, a user's often does not. */
    private static final List<String> SBIN = List.of("/usr/sbin", "/sbin");

    final String mkfs;
    final String aptPackage;
    final List<String> mkfsOptions;

    Filesystem(String mkfs, String aptPackage, List<String> mkfsOptions) {
        this.mkfs = mkfs;
        this.aptPackage = aptPackage;
        this.mkfsOptions = mkfsOptions;
    }

    /** The name on the command line, in result paths and in the kernel ({@code mount -t}). */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code root,ext4,xfs,btrfs} (or {@code all}), in the order given, each once; an unknown name is an IllegalArgumentException. */
    static List<Filesystem> parse(List<String> names) {
        Set<Filesystem> out = new LinkedHashSet<>();
        for (String n : names) {
            String s = n.strip().toLowerCase(Locale.ROOT);
            if (s.isEmpty()) continue;
            if (s.equals("all")) {
                out.addAll(List.of(values()));
                continue;
            }
            Filesystem f = Stream.of(values()).filter(v -> v.label().equals(s)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown filesystem '" + n + "'; known: root, ext4, xfs, btrfs, all"));
            out.add(f);
        }
        return new ArrayList<>(out);
    }

    /** Why this filesystem cannot be made here (not root, a tool or the kernel's support missing), or null. */
    String unavailable(boolean root) throws IOException {
        if (this == ROOT) return null;
        if (!root) return "making and loop-mounting an image needs root (run ./txring bench as root)";
        for (String tool : List.of(mkfs, "mount", "umount", "losetup")) {
            if (tool(tool) == null) {
                return tool + " is missing" + (tool.equals(mkfs) ? " (apt package " + aptPackage + "; ./txring bench installs it as root)" : "");
            }
        }
        boolean known = Files.readAllLines(Path.of("/proc/filesystems")).stream().map(l -> l.strip().split("\\s+"))
                .anyMatch(f -> f[f.length - 1].equals(label())); // "nodev<TAB>tmpfs" or "<TAB>ext4"
        boolean module = Files.isDirectory(Path.of("/sys/module", label()));
        if (!known && !module && !moduleFile()) return "the kernel has no " + label() + " (not in /proc/filesystems, no module)";
        return null;
    }

    /** A filesystem built as a module shows up in /proc/filesystems only once loaded; mount loads it. */
    private boolean moduleFile() throws IOException {
        Path dir = Path.of("/lib/modules", Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(), "kernel/fs", label());
        return Files.isDirectory(dir);
    }

    /** The tool's path on PATH or in the sbin directories, or null. */
    static Path tool(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(SBIN);
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }
}
