package io.txring.txn;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The commit record: every rename and delete of a multi-path transaction, written to
 * {@code .txring/journal/<txid>} and synced before the first of them is published. Its
 * presence (complete, checksum valid) is the commit point; whoever finds it orphaned rolls
 * it forward ({@link Journal}).
 *
 * <pre>
 * txring-commit 4
 * id txid                                        the record's own file name
 * R dir \t shadowDir \t shadow \t leaf \t seen   replace dir/leaf by shadowDir/shadow
 * N dir \t shadowDir \t shadow \t leaf           create dir/leaf from shadowDir/shadow
 * D dir \t leaf \t seen                          delete dir/leaf
 * end crc32c-hex
 * </pre>
 * {@code seen} is the version the transaction validated, {@code dev:ino:size:mtimeNs} or
 * {@code -} for absent: a step is replayed only while the target is still that version, so a
 * record can never move a path backwards, whenever it is replayed. The ctime is left out on
 * purpose: the transaction's own publish changes it when it renames a hard link of the
 * target's inode (a move), while no txring commit changes an inode's size or mtime in place.
 * Version 2 records (no {@code seen}) are still read; their steps need only the shadow.
 * The {@code id} line (version 4) names the file the record was written as: record files are
 * reused ({@link Journal}), so content found under another name is a reused file's old or
 * half-written content — torn, never a commit point. Version 3 records (no id) are still read.
 * Version 5 adds to a create's line the content its shadow must have, {@code ino:size:crc32c}
 * ({@link Content}): such a record is written before its shadows are durable (a delivery's
 * one flush round, {@link CommitProtocol}), so recovery checks each shadow against it.
 */
record CommitRecord(String id, List<Step> steps) {
    static final String MAGIC = "txring-commit 3\n";
    private static final String MAGIC_V4 = "txring-commit 4\n";
    private static final String MAGIC_V2 = "txring-commit 2\n";
    private static final String MAGIC_V5 = "txring-commit 5\n";

    /** A shadow's content as its transaction wrote it: its inode, its size and the CRC-32C of its bytes. */
    record Content(long ino, long size, long crc) {
        @Override
        public String toString() {
            return ino + ":" + size + ":" + Long.toHexString(crc);
        }

        static Content parse(String s) {
            String[] f = s.split(":", -1);
            if (f.length != 3) throw new IllegalArgumentException("content " + s);
            return new Content(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseUnsignedLong(f[2], 16));
        }
    }

    /** A record that does not name its file (version 3). */
    CommitRecord(List<Step> steps) {
        this(null, steps);
    }

    enum Kind { REPLACE, CREATE, DELETE }

    /**
     * One step; {@code dir} and {@code shadowDir} are relative to the root ("" for the root);
     * {@code seen} is the validated version of the target ({@link VersionStamp#ABSENT} if it did
     * not exist), or null in a version 2 record.
     */
    record Step(Kind kind, String dir, String shadowDir, String shadow, String leaf, VersionStamp seen, Content content) {
        Step(Kind kind, String dir, String shadowDir, String shadow, String leaf, VersionStamp seen) {
            this(kind, dir, shadowDir, shadow, leaf, seen, null);
        }

        static Step delete(String dir, String leaf, VersionStamp seen) {
            return new Step(Kind.DELETE, dir, null, null, leaf, seen);
        }

        /** The store path of the target. */
        String path() {
            return dir.isEmpty() ? leaf : dir + "/" + leaf;
        }
    }

    /**
     * Whether this record was written before its shadows were durable (every create carries
     * its shadow's {@link Content}): recovery then publishes only shadows that match it, and
     * rolls the whole record back if one is lost before anything was published.
     */
    boolean early() {
        return !steps.isEmpty() && steps.stream().allMatch(s -> s.kind() == Kind.CREATE && s.content() != null);
    }

    /** The target paths, for the commit locks. */
    List<String> paths() {
        return steps.stream().map(Step::path).toList();
    }

    byte[] encode() {
        boolean v5 = steps.stream().anyMatch(s -> s.content() != null);
        if (v5 && id == null) throw new IllegalStateException("a version 5 record names its transaction");
        StringBuilder b = new StringBuilder(v5 ? MAGIC_V5 : id == null ? MAGIC : MAGIC_V4);
        if (id != null) b.append("id ").append(id).append('\n');
        for (Step s : steps) {
            switch (s.kind()) {
                case REPLACE -> b.append("R ").append(s.dir()).append('\t').append(s.shadowDir()).append('\t').append(s.shadow())
                        .append('\t').append(s.leaf()).append('\t').append(stamp(s.seen()));
                case CREATE -> {
                    b.append("N ").append(s.dir()).append('\t').append(s.shadowDir()).append('\t').append(s.shadow())
                            .append('\t').append(s.leaf());
                    if (s.content() != null) b.append('\t').append(s.content());
                }
                case DELETE -> b.append("D ").append(s.dir()).append('\t').append(s.leaf()).append('\t').append(stamp(s.seen()));
            }
            b.append('\n');
        }
        byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(body);
        byte[] end = ("end " + Long.toHexString(crc.getValue()) + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[body.length + end.length];
        System.arraycopy(body, 0, all, 0, body.length);
        System.arraycopy(end, 0, all, body.length, end.length);
        return all;
    }

    private static String stamp(VersionStamp v) {
        return v.exists() ? v.dev() + ":" + v.ino() + ":" + v.size() + ":" + v.mtimeNs() : "-";
    }

    private static VersionStamp stamp(String s) {
        if (s.equals("-")) return VersionStamp.ABSENT;
        String[] f = s.split(":", -1);
        if (f.length != 4) throw new IllegalArgumentException("stamp " + s);
        return new VersionStamp(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), 0, 0);
    }

    /**
     * Whether every name of {@code st} obeys the API's path rules: a record is read from disk,
     * and its names go to renameat/unlinkat relative to confined directory fds, where a '/' or
     * '..' in a leaf would walk out of them.
     */
    private static boolean confined(Step st) {
        try {
            StorePath target = StorePath.of(st.path());
            if (!target.parent().equals(st.dir()) || !target.leaf().equals(st.leaf())) return false;
            if (!st.dir().isEmpty()) StorePath.of(st.dir());
            if (st.kind() == Kind.DELETE) return true;
            if (!st.shadowDir().isEmpty()) StorePath.of(st.shadowDir());
            String sh = st.shadow();
            return sh.startsWith(StorePath.SHADOW_PREFIX) && sh.length() <= 255 && sh.indexOf('/') < 0 && sh.indexOf('\0') < 0;
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** Whether {@code now} is the version {@code seen} names (ctime and permissions aside; see the class comment). */
    static boolean sameVersion(VersionStamp seen, VersionStamp now) {
        if (!seen.exists()) return !now.exists();
        return now.exists() && seen.dev() == now.dev() && seen.ino() == now.ino() && seen.size() == now.size()
                && seen.mtimeNs() == now.mtimeNs();
    }

    /**
     * Whether {@code bytes} end in a checksum that matches them: such a file was written whole.
     * If it still does not {@link #decode}, it is malformed (a bug, or someone else's hand),
     * not torn by a crash — worth keeping for a look rather than deleting.
     */
    static boolean checksumValid(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (!text.endsWith("\n")) return false;
        int endAt = text.lastIndexOf("end ");
        if (endAt <= 0 || text.charAt(endAt - 1) != '\n') return false;
        CRC32C crc = new CRC32C();
        crc.update(text.substring(0, endAt).getBytes(StandardCharsets.UTF_8));
        return text.substring(endAt + 4).strip().equals(Long.toHexString(crc.getValue()));
    }

    /** The record, or {@code null} when it is torn, incomplete or malformed (never a commit point). */
    static CommitRecord decode(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        boolean v2 = text.startsWith(MAGIC_V2), v5 = text.startsWith(MAGIC_V5), v4 = v5 || text.startsWith(MAGIC_V4);
        if (!(v2 || v4 || text.startsWith(MAGIC)) || !text.endsWith("\n")) return null;
        int endAt = text.lastIndexOf("end ");
        if (endAt < MAGIC.length() - 1 || text.charAt(endAt - 1) != '\n') return null;
        byte[] body = text.substring(0, endAt).getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(body);
        if (!text.substring(endAt + 4).strip().equals(Long.toHexString(crc.getValue()))) return null;
        List<Step> steps = new ArrayList<>();
        String id = null;
        try {
            for (String line : text.substring(MAGIC.length(), endAt).split("\n")) {
                if (v4 && id == null) { // the first line names the file
                    if (!line.startsWith("id ") || line.length() == 3 || line.indexOf('/') >= 0 || line.indexOf('\0') >= 0) return null;
                    id = line.substring(3);
                    continue;
                }
                if (line.isEmpty()) continue;
                if (line.length() < 2 || line.charAt(1) != ' ') return null;
                String[] f = line.substring(2).split("\t", -1);
                switch (line.charAt(0)) {
                    case 'R' -> {
                        if (f.length != (v2 ? 4 : 5)) return null;
                        steps.add(new Step(Kind.REPLACE, f[0], f[1], f[2], f[3], v2 ? null : stamp(f[4])));
                    }
                    case 'N' -> {
                        if (f.length != 4 && !(v5 && f.length == 5)) return null;
                        steps.add(new Step(Kind.CREATE, f[0], f[1], f[2], f[3], v2 ? null : VersionStamp.ABSENT,
                                f.length == 5 ? Content.parse(f[4]) : null));
                    }
                    case 'D' -> {
                        if (f.length != 3) return null;
                        steps.add(Step.delete(f[0], f[1], v2 ? null : stamp(f[2])));
                    }
                    default -> { return null; }
                }
            }
        } catch (IllegalArgumentException malformed) { // a valid checksum over fields that do not parse
            return null;
        }
        if (v4 && id == null) return null;
        for (Step st : steps) if (!confined(st)) return null;
        return new CommitRecord(id, steps);
    }
}
