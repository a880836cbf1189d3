package io.txring.bench;

import io.txring.bench.harness.Mounts;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fresh filesystem for one bench run: a sparse image file {@code <parent>/txring-fs-<pid>-<fs>.img},
 * formatted by the filesystem's mkfs and mounted with {@code mount -o loop} on
 * {@code <parent>/txring-fs-<pid>-<fs>/}. {@link #close()} unmounts it and deletes the image and the
 * mount point; a shutdown hook does the same on Ctrl-C or SIGTERM, and {@link #sweepStale} removes
 * what a killed run (SIGKILL) left behind. {@code mount -o loop} sets the loop device to clear
 * itself on the last unmount, so no loop device outlives its mount.
 */
final class LoopMount implements AutoCloseable {
    /** Room for every durable workload's files (tens of MiB) with plenty to spare; sparse, so the disk holds only what is written. */
    static final long IMAGE_BYTES = 2L << 30;

    /** No mkfs, mount or umount of a 2 GiB image takes this long; a hung one is killed. */
    private static final long COMMAND_SECONDS = 120;

    /** A busy mount (a server still closing its files) gets this many tries, a second apart, before a lazy unmount. */
    private static final int UMOUNT_TRIES = 5;

    private static final Pattern NAME = Pattern.compile("txring-fs-(\\d+)-(ext4|xfs|btrfs)(\\.img)?");
    private static final Set<LoopMount> OPEN = ConcurrentHashMap.newKeySet();

    static {
        // Ctrl-C mid-run: the workload may still hold files on the mount, so detach it lazily rather than wait
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (LoopMount m : List.copyOf(OPEN)) m.release(true);
        }, "txring-bench-unmount"));
    }

    private final Filesystem fs;
    private final Path image;
    private final Path dir;
    private Mounts.Mount mount;
    private boolean released;

    private LoopMount(Filesystem fs, Path image, Path dir) {
        this.fs = fs;
        this.image = image;
        this.dir = dir;
    }

    /** Makes, formats and mounts a fresh {@code fs} under {@code parent}; on any failure leaves nothing behind. */
    static LoopMount create(Filesystem fs, Path parent) throws IOException, InterruptedException {
        if (fs == Filesystem.ROOT) throw new IllegalArgumentException("root is the scratch directory itself, not an image");
        Path real = parent.toRealPath();
        String base = "txring-fs-" + ProcessHandle.current().pid() + "-" + fs.label();
        Path image = real.resolve(base + ".img"), dir = real.resolve(base);
        LoopMount m = new LoopMount(fs, image, dir);
        OPEN.add(m); // before the first file exists: an interrupt from here on still cleans up
        try {
            try (RandomAccessFile f = new RandomAccessFile(Files.createFile(image).toFile(), "rw")) {
                f.setLength(IMAGE_BYTES); // as truncate(1): a hole, no blocks written
            }
            List<String> mkfs = new ArrayList<>();
            mkfs.add(Filesystem.tool(fs.mkfs).toString());
            mkfs.addAll(fs.mkfsOptions);
            mkfs.add(image.toString());
            run(mkfs);
            Files.createDirectory(dir);
            // ext4: data=ordered is the default; named so that a superblock default (tune2fs -o) cannot change it
            run(List.of("mount", "-t", fs.label(), "-o", fs == Filesystem.EXT4 ? "loop,data=ordered" : "loop", image.toString(), dir.toString()));
            Mounts.Mount mounted = Mounts.holding(dir).filter(x -> x.point().equals(dir.toString()) && x.type().equals(fs.label()))
                    .orElseThrow(() -> new IOException("mount reported success but " + dir + " is not a " + fs.label() + " mount"));
            synchronized (m) {
                if (m.released) throw new IOException("interrupted while mounting " + fs.label()); // the hook ran first: undo below
                m.mount = mounted;
            }
            return m;
        } catch (IOException | InterruptedException | RuntimeException e) {
            synchronized (m) { // also after the hook released it: undoes whatever exists now
                m.released = true;
                OPEN.remove(m);
                m.cleanUp(false);
            }
            throw e;
        }
    }

    /** The mounted filesystem's root: the scratch parent of the run on this filesystem. */
    Path dir() {
        return dir;
    }

    /** A line for the console and SUMMARY.md: what was made and where it is mounted. */
    synchronized String describe() {
        return String.format("%s (%d GiB sparse image %s) mounted from %s on %s, options %s", fs.label(), IMAGE_BYTES >> 30, image,
                mount.source(), dir, mount.options());
    }

    @Override
    public void close() {
        release(false);
    }

    /** Unmounts (lazily if {@code hurry} or still busy), detaches a loop device left on the image, deletes image and mount point. */
    private synchronized void release(boolean hurry) {
        if (released) return;
        released = true;
        OPEN.remove(this);
        cleanUp(hurry);
    }

    /** Idempotent: each step looks at what exists. */
    private void cleanUp(boolean hurry) {
        List<String> left = new ArrayList<>();
        try {
            if (isMounted(dir)) unmount(dir, hurry);
            if (isMounted(dir)) left.add("still mounted: " + dir);
            detachLoops(image);
            Files.deleteIfExists(image);
            if (Files.isDirectory(dir) && !isMounted(dir)) Files.deleteIfExists(dir);
        } catch (IOException | RuntimeException e) {
            left.add(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            left.add("interrupted while unmounting");
        }
        if (!left.isEmpty()) { // loud: a mount left behind is the user's to remove
            System.out.println("bench: could not clean up " + fs.label() + " (" + String.join("; ", left) + "); remove it with: umount -l "
                    + dir + "; losetup -j " + image + "; rm -f " + image + "; rmdir " + dir);
        }
    }

    private static void unmount(Path dir, boolean hurry) throws IOException, InterruptedException {
        for (int i = 0; !hurry && i < UMOUNT_TRIES; i++) {
            if (exec(List.of("umount", dir.toString())).exitCode == 0) return;
            Thread.sleep(1000);
        }
        run(List.of("umount", "-l", dir.toString())); // detached now, freed (and its loop device cleared) once its last file closes
    }

    /** A loop device still bound to the image (mount failed after losetup, or the kernel kept it): {@code losetup -d} it. */
    private static void detachLoops(Path image) throws IOException, InterruptedException {
        if (!Files.exists(image)) return;
        Result r = exec(List.of("losetup", "-j", image.toString()));
        for (String line : r.output.lines().toList()) { // "/dev/loop0: [65024]:123 (/tmp/…img)", one per device
            int colon = line.indexOf(':');
            if (line.startsWith("/dev/") && colon > 0) exec(List.of("losetup", "-d", line.substring(0, colon)));
        }
    }

    /**
     * Removes what a bench killed by SIGKILL left in {@code parent}: mounts, images and mount points
     * named {@code txring-fs-<pid>-…} whose process is gone. Those of a live process (a concurrent
     * run) are left alone.
     */
    static void sweepStale(Path parent) throws IOException, InterruptedException {
        Path real = parent.toRealPath();
        for (Mounts.Mount m : Mounts.all()) {
            Path point = Path.of(m.point());
            if (real.equals(point.getParent()) && stale(point.getFileName().toString())) {
                System.out.println("bench: unmounting " + point + ", left by a run that is gone");
                try {
                    unmount(point, true);
                } catch (IOException e) { // not root, say: the run goes on with fresh names
                    System.out.println("bench: could not unmount " + point + ": " + e.getMessage());
                }
            }
        }
        List<Path> leftovers = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(real, "txring-fs-*")) {
            for (Path p : s) if (stale(p.getFileName().toString())) leftovers.add(p);
        }
        for (Path p : leftovers) {
            if (isMounted(p)) continue; // a lazy unmount still draining: the next run gets it
            System.out.println("bench: removing " + p + ", left by a run that is gone");
            try {
                if (p.toString().endsWith(".img")) detachLoops(p);
                if (Files.isDirectory(p)) ScratchDir.delete(p);
                else Files.deleteIfExists(p);
            } catch (IOException e) { // another user's, say: not this run's to fail on
                System.out.println("bench: could not remove " + p + ": " + e);
            }
        }
    }

    static boolean stale(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) return false;
        long pid = Long.parseLong(m.group(1));
        return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty();
    }

    private static boolean isMounted(Path dir) throws IOException {
        String d = dir.toString();
        return Mounts.all().stream().anyMatch(m -> m.point().equals(d));
    }

    private record Result(int exitCode, String output) {}

    /** Runs a command to its end (bounded), stdout and stderr together. */
    private static Result exec(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("txring-bench-cmd", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException(String.join(" ", cmd) + " did not finish in " + COMMAND_SECONDS + " s");
            }
            return new Result(p.exitValue(), Files.readString(out).strip());
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** As {@link #exec}, and a failure (its output included) is an IOException. */
    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Result r = exec(cmd);
        if (r.exitCode != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + r.exitCode + ")" + (r.output.isEmpty() ? "" : ": " + r.output));
        }
    }
}
