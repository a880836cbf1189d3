package io.txring.txn;

import static io.txring.uring.generated.uring_h.*;

import io.txring.core.Op;
import io.txring.core.OpTracer;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A model of what a crash can leave of a store, driven by the op log a ring traces.
 * Conservative persistence model: a file's data written since its last completed
 * fsync/fdatasync may be absent, partly present, or — for a file that grew — zeros past its
 * old end (the new size written back, the new data not); a record log's blocks are decided one by one; a directory entry changed since the
 * directory's last completed fsync may still have its old value — except that a rename is
 * one change (its source and target entries persist together, as POSIX rename atomicity
 * and every journaling filesystem give); nothing else reorders.
 */
final class CrashModel {
    /** A file: the content that is durable and the content as last written. */
    static final class Inode {
        byte[] durable;
        byte[] current;
        /** The real inode number in the traced run (0 if unknown): commit records name versions by it. */
        long realIno;
        /** A record log ({@link RecordLog}): a crash decides each of its blocks on its own, as a disk writes pages. */
        boolean blocks;

        Inode(byte[] content) {
            durable = content;
            current = content;
        }
    }

    /** A directory: per name, the durable entry and the current one (null = absent). */
    static final class Dir {
        final Map<String, Inode> durable = new TreeMap<>();
        final Map<String, Inode> current = new TreeMap<>();
    }

    final Map<String, Dir> dirs = new TreeMap<>(); // "" is the root
    /** Entries ("dir/name") changed together by a rename share a group: one crash decision. */
    private final Map<String, String> group = new HashMap<>();
    /**
     * What each fd number names, oldest first. The log is in completion order, and an op routed
     * to a syscall is logged when it runs while a ring op is logged when reaped: an async close
     * may be logged after an open the kernel ran later, which reused its number. Two opens of
     * one number without a close between mean the pending close is the older one's.
     */
    private final Map<Integer, java.util.ArrayDeque<Object>> fds = new HashMap<>();
    private final String rootAbs;

    /** One op that completed successfully, copied out at completion time. */
    record Event(int opcode, int fd, String path1, String path2, int flags, int length, long offset, byte[] data, int res, long ino) {}

    CrashModel(Path root) throws IOException {
        rootAbs = root.toString();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                // The lock file and the marks live in the page cache only (a lone open resets the marks): not crash state.
                if (rel.equals(".txring/lock") || rel.equals(".txring/marks")) continue;
                if (Files.isDirectory(p)) {
                    dirs.put(rel, new Dir());
                } else {
                    Dir d = dirs.get(parent(rel));
                    Inode i = new Inode(Files.readAllBytes(p));
                    i.realIno = (Long) Files.getAttribute(p, "unix:ino");
                    d.durable.put(leaf(rel), i);
                    d.current.put(leaf(rel), i);
                }
            }
        }
    }

    static String parent(String rel) {
        int i = rel.lastIndexOf('/');
        return i < 0 ? "" : rel.substring(0, i);
    }

    static String leaf(String rel) {
        return rel.substring(rel.lastIndexOf('/') + 1);
    }

    /**
     * A tracer that records the events of successful ops (the data of writes copied, file content
     * read as an fsync is submitted: what it makes durable, mapped writes included — read then,
     * since a close linked behind it may have run before its completion is delivered).
     */
    static OpTracer recorder(List<Event> log) {
        Map<Op, byte[]> atSync = java.util.Collections.synchronizedMap(new IdentityHashMap<>());
        return new OpTracer() {
            @Override
            public void submitted(Op op) {
                if (op.opcode() != IORING_OP_FSYNC) return;
                try {
                    atSync.put(op, Files.readAllBytes(Path.of("/proc/self/fd/" + op.fd())));
                } catch (IOException e) {
                    atSync.remove(op); // a directory
                }
            }

            @Override
            public void completed(Op op, int res) {
                byte[] synced = op.opcode() == IORING_OP_FSYNC ? atSync.remove(op) : null;
                if (res < 0) return;
                byte[] data = null;
                if (op.opcode() == IORING_OP_WRITE && op.buffer() != null) {
                    data = op.buffer().asSlice(0, res).toArray(ValueLayout.JAVA_BYTE);
                } else if (op.opcode() == IORING_OP_FSYNC) {
                    data = synced;
                }
                long ino = 0;
                if (op.opcode() == IORING_OP_OPENAT || op.opcode() == IORING_OP_OPENAT2) {
                    try { // the real inode, so records naming its version can be mapped onto a materialized crash state
                        ino = (Long) Files.getAttribute(Path.of("/proc/self/fd/" + res), "unix:ino");
                    } catch (IOException | RuntimeException e) {
                        ino = 0;
                    }
                }
                synchronized (log) {
                    log.add(new Event(op.opcode(), op.fd(), op.firstPath(), op.secondPath(), op.flags(), op.length(), op.fileOffset(), data, res, ino));
                }
            }
        };
    }

    private static final Object UNTRACKED = new Object();

    private Inode fileOf(int fd) {
        var open = fds.get(fd);
        return open != null && open.peekLast() instanceof Inode i ? i : null;
    }

    private String dirOf(int fd) {
        String d = fds.containsKey(fd) && fds.get(fd).peekLast() instanceof String s ? s : null;
        if (d == null) throw new IllegalStateException("unknown directory fd " + fd);
        return d;
    }

    private static String join(String dir, String name) {
        if (name.equals(".")) return dir;
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    /** Applies one event to the model. */
    void apply(Event e) {
        switch (e.opcode()) {
            case IORING_OP_OPENAT, IORING_OP_OPENAT2 -> {
                String rel;
                if (e.fd() == AT_FDCWD) {
                    if (!e.path1().equals(rootAbs)) { // outside the store: its number is taken until its close
                        fds.computeIfAbsent(e.res(), k -> new java.util.ArrayDeque<>()).addLast(UNTRACKED);
                        return;
                    }
                    rel = "";
                } else {
                    rel = join(dirOf(e.fd()), e.path1());
                }
                if (dirs.containsKey(rel)) {
                    fds.computeIfAbsent(e.res(), k -> new java.util.ArrayDeque<>()).addLast(rel);
                    return;
                }
                Dir d = dirs.get(parent(rel));
                if (d == null) { // outside what the model tracks (.txring's own files): its number is taken until its close
                    fds.computeIfAbsent(e.res(), k -> new java.util.ArrayDeque<>()).addLast(UNTRACKED);
                    return;
                }
                Inode i = d.current.get(leaf(rel));
                if (i == null) {
                    i = new Inode(new byte[0]); // O_CREAT; its name is durable only after a directory fsync
                    i.durable = new byte[0];
                    d.current.put(leaf(rel), i);
                }
                if (i.realIno == 0) i.realIno = e.ino();
                fds.computeIfAbsent(e.res(), k -> new java.util.ArrayDeque<>()).addLast(i);
            }
            case IORING_OP_WRITE -> {
                Inode i = fileOf(e.fd());
                if (i == null || e.data() == null) return;
                int end = (int) e.offset() + e.data().length;
                byte[] c = Arrays.copyOf(i.current, Math.max(i.current.length, end));
                System.arraycopy(e.data(), 0, c, (int) e.offset(), e.data().length);
                i.current = c;
            }
            case IORING_OP_FTRUNCATE -> {
                Inode i = fileOf(e.fd());
                if (i != null) i.current = Arrays.copyOf(i.current, (int) e.offset());
            }
            case IORING_OP_FSYNC -> {
                Inode i = fileOf(e.fd());
                if (i != null) {
                    if (e.data() != null) i.current = e.data();
                    i.durable = i.current;
                } else if (fds.containsKey(e.fd()) && fds.get(e.fd()).peekLast() instanceof String) {
                    Dir d = dirs.get(dirOf(e.fd()));
                    d.durable.clear();
                    d.durable.putAll(d.current);
                    // A cross-directory rename's other half may still be pending: keep its group.
                }
            }
            case IORING_OP_CLOSE -> {
                var open = fds.get(e.fd());
                if (open != null) {
                    open.pollFirst(); // the oldest: a later open of this number cannot precede its close in the kernel
                    if (open.isEmpty()) fds.remove(e.fd());
                }
            }
            case IORING_OP_RENAMEAT -> {
                Dir from = dirs.get(dirOf(e.fd())), to = dirs.get(dirOf(e.length()));
                Inode i = from.current.remove(e.path1());
                to.current.put(e.path2(), i);
                String a = dirOf(e.fd()) + "/" + e.path1(), b = dirOf(e.length()) + "/" + e.path2();
                String g = group.getOrDefault(a, a);
                for (var x : new ArrayList<>(group.entrySet())) if (x.getValue().equals(group.getOrDefault(b, b))) x.setValue(g);
                group.put(a, g);
                group.put(b, g);
            }
            case IORING_OP_LINKAT -> {
                Dir from = dirs.get(dirOf(e.fd())), to = dirs.get(dirOf(e.length()));
                to.current.put(e.path2(), from.current.get(e.path1()));
            }
            case IORING_OP_UNLINKAT -> dirs.get(dirOf(e.fd())).current.remove(e.path1());
            default -> { } // reads, statx, nop: no effect on what a crash leaves
        }
    }

    /**
     * One thing a crash may decide: a directory entry (old or new value) or a file's content
     * (old, new, half, or a grown file's new size holding zeros) — for a record log, one block's content
     * (old, new, half; {@code block} ≥ 0).
     */
    record Choice(String dir, String name, Inode inode, int options, int block) {
        Choice(String dir, String name, Inode inode, int options) {
            this(dir, name, inode, options, -1);
        }
    }

    private static boolean isLog(String dir, String name) {
        return dir.equals(".txring/journal") && RecordLog.slotOf(name) >= 0;
    }

    List<Choice> uncertain() {
        List<Choice> out = new ArrayList<>();
        Map<Inode, Boolean> seen = new IdentityHashMap<>();
        java.util.Set<String> groupsSeen = new java.util.HashSet<>();
        for (var d : dirs.entrySet()) {
            var names = new java.util.TreeSet<>(d.getValue().durable.keySet());
            names.addAll(d.getValue().current.keySet());
            for (String n : names) {
                Inode a = d.getValue().durable.get(n), b = d.getValue().current.get(n);
                String key = d.getKey() + "/" + n;
                if (a != b && groupsSeen.add(group.getOrDefault(key, key))) out.add(new Choice(d.getKey(), n, null, 2));
                for (Inode i : new Inode[] {a, b}) {
                    if (i != null && !Arrays.equals(i.durable, i.current) && seen.put(i, true) == null) {
                        if (isLog(d.getKey(), n)) {
                            i.blocks = true;
                            int len = Math.max(i.durable.length, i.current.length);
                            for (int k = 0; k * RecordLog.BLOCK < len; k++) {
                                if (!Arrays.equals(block(i.durable, k), block(i.current, k))) out.add(new Choice(null, null, i, 3, k));
                            }
                        } else { // a fourth when it grew: the new size written back, not its new data (zeros past the old end)
                            out.add(new Choice(null, null, i, i.current.length > i.durable.length ? 4 : 3));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Writes the crash state chosen by {@code pick} (one option index per uncertain choice) into {@code target}. */
    void materialize(Path target, List<Choice> choices, int[] pick) throws IOException {
        Map<String, Integer> entryPick = new HashMap<>();
        Map<Inode, Integer> contentPick = new IdentityHashMap<>();
        Map<Inode, Map<Integer, Integer>> blockPick = new IdentityHashMap<>();
        for (int c = 0; c < choices.size(); c++) {
            Choice ch = choices.get(c);
            if (ch.inode() == null) {
                String key = ch.dir() + "/" + ch.name();
                entryPick.put(group.getOrDefault(key, key), pick[c]);
            }
            else if (ch.block() >= 0) blockPick.computeIfAbsent(ch.inode(), k -> new HashMap<>()).put(ch.block(), pick[c]);
            else contentPick.put(ch.inode(), pick[c]);
        }
        Map<Inode, Path> written = new IdentityHashMap<>();
        for (var d : dirs.entrySet()) Files.createDirectories(target.resolve(d.getKey()));
        for (var d : dirs.entrySet()) {
            var names = new java.util.TreeSet<>(d.getValue().durable.keySet());
            names.addAll(d.getValue().current.keySet());
            for (String n : names) {
                Inode a = d.getValue().durable.get(n), b = d.getValue().current.get(n);
                String key = d.getKey() + "/" + n;
                Inode i = a == b ? a : entryPick.getOrDefault(group.getOrDefault(key, key), 0) == 0 ? a : b;
                if (i == null) continue;
                Path p = target.resolve(d.getKey()).resolve(n);
                Path first = written.get(i);
                if (first != null) {
                    Files.createLink(p, first); // one inode, several names
                    continue;
                }
                int cp = contentPick.getOrDefault(i, 0);
                byte[] content = i.blocks ? blockwise(i, blockPick.getOrDefault(i, Map.of()))
                        : cp == 0 ? i.durable : cp == 1 ? i.current : cp == 2 ? half(i.durable, i.current) : Arrays.copyOf(i.durable, i.current.length);
                Files.write(p, content);
                written.put(i, p);
            }
        }
        mapRecordVersions(target, written);
    }

    /**
     * A record names the versions its transaction validated by real dev:ino:size:mtime; the
     * materialized copies have other inodes and times. Each whole record is re-encoded with the
     * stamps of the copies of the same model inodes (a version absent from this crash state
     * gets an inode number no file has), so recovery's version check sees what it would have
     * seen on the real disk.
     */
    private void mapRecordVersions(Path target, Map<Inode, Path> written) throws IOException {
        Path journal = target.resolve(".txring/journal");
        if (!Files.isDirectory(journal)) return;
        Map<Long, Inode> byIno = new HashMap<>();
        for (Inode i : written.keySet()) if (i.realIno != 0) byIno.put(i.realIno, i);
        try (Stream<Path> s = Files.list(journal)) {
            for (Path rec : s.toList()) {
                if (RecordLog.slotOf(rec.getFileName().toString()) >= 0) {
                    byte[] log = Files.readAllBytes(rec);
                    for (int k = 0; k * RecordLog.BLOCK < log.length; k++) {
                        byte[] b = RecordLog.content(block(log, k));
                        CommitRecord r = b.length == 0 ? null : CommitRecord.decode(b);
                        if (r == null) continue;
                        byte[] mapped = mapped(r, byIno, written);
                        if (mapped.length > RecordLog.BLOCK) throw new IllegalStateException("a remapped record outgrew its block");
                        Arrays.fill(log, k * RecordLog.BLOCK, Math.min(log.length, (k + 1) * RecordLog.BLOCK), (byte) 0);
                        System.arraycopy(mapped, 0, log, k * RecordLog.BLOCK, mapped.length);
                    }
                    Files.write(rec, log);
                    continue;
                }
                CommitRecord r = CommitRecord.decode(Files.readAllBytes(rec));
                if (r == null) continue; // torn: left as the crash left it
                Files.write(rec, mapped(r, byIno, written));
            }
        }
    }

    /** {@code r} re-encoded with the versions of the materialized copies. */
    private static byte[] mapped(CommitRecord r, Map<Long, Inode> byIno, Map<Inode, Path> written) throws IOException {
        List<CommitRecord.Step> steps = new ArrayList<>();
        for (CommitRecord.Step st : r.steps()) {
            VersionStamp seen = st.seen();
            if (seen != null && seen.exists()) {
                Inode i = byIno.get(seen.ino());
                Path copy = i == null ? null : written.get(i);
                seen = copy == null ? new VersionStamp(seen.dev(), -1, seen.size(), seen.mtimeNs(), 0, 0) : stampOf(copy);
            }
            CommitRecord.Content c = st.content();
            if (c != null) { // an early record names its shadows' inodes too
                Inode i = byIno.get(c.ino());
                Path copy = i == null ? null : written.get(i);
                c = new CommitRecord.Content(copy == null ? -1 : stampOf(copy).ino(), c.size(), c.crc());
            }
            steps.add(new CommitRecord.Step(st.kind(), st.dir(), st.shadowDir(), st.shadow(), st.leaf(), seen, c));
        }
        return new CommitRecord(r.id(), steps).encode();
    }

    /** What statx would report as the version of {@code p}: dev (major:minor), ino, size, mtime. */
    static VersionStamp stampOf(Path p) throws IOException {
        long dev = (Long) Files.getAttribute(p, "unix:dev");
        long devLinux = ((dev >>> 8) & 0xfff) << 32 | (dev & 0xff) | ((dev >>> 12) & 0xfff00); // glibc's dev_t → major:minor
        long ino = (Long) Files.getAttribute(p, "unix:ino");
        java.time.Instant m = Files.getLastModifiedTime(p).toInstant();
        return new VersionStamp(devLinux, ino, Files.size(p), m.getEpochSecond() * 1_000_000_000L + m.getNano(), 0, 0);
    }

    /** Block {@code k} of {@code content}, zero-filled past its end (a log is pre-zeroed: a lost extension reads as zeros). */
    private static byte[] block(byte[] content, int k) {
        byte[] b = new byte[RecordLog.BLOCK];
        int from = k * RecordLog.BLOCK;
        if (from < content.length) System.arraycopy(content, from, b, 0, Math.min(RecordLog.BLOCK, content.length - from));
        return b;
    }

    /** A log's content with each changed block as picked: 0 old, 1 new, 2 torn (the first half of what changed in it). */
    private static byte[] blockwise(Inode i, Map<Integer, Integer> picks) {
        int len = Math.max(i.durable.length, i.current.length);
        byte[] out = new byte[len];
        for (int k = 0; k * RecordLog.BLOCK < len; k++) {
            byte[] old = block(i.durable, k), now = block(i.current, k);
            int p = picks.getOrDefault(k, 0);
            byte[] b = old;
            if (p == 1) {
                b = now;
            } else if (p == 2) {
                int lo = 0, hi = RecordLog.BLOCK;
                while (lo < hi && old[lo] == now[lo]) lo++;
                while (hi > lo && old[hi - 1] == now[hi - 1]) hi--;
                b = old.clone();
                System.arraycopy(now, lo, b, lo, (hi - lo) / 2);
            }
            System.arraycopy(b, 0, out, k * RecordLog.BLOCK, Math.min(RecordLog.BLOCK, len - k * RecordLog.BLOCK));
        }
        return out;
    }

    /** Part of the new data present: the first half of the new content over the old. */
    private static byte[] half(byte[] old, byte[] now) {
        byte[] out = Arrays.copyOf(old, Math.max(old.length, now.length / 2));
        System.arraycopy(now, 0, out, 0, now.length / 2);
        return Objects.requireNonNull(out);
    }
}
