package io.txring.txn;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The commit record: every rename and delete of a multi-path transaction, written to
 * {@code .txring/journal/<txid>} and synced before the first of them is published. Its
 * presence (complete, checksum valid) is the commit point; recovery replays it.
 *
 * <pre>
 * txring-commit 2
 * R dir \t shadowDir \t shadow \t leaf    replace dir/leaf by shadowDir/shadow
 * N dir \t shadowDir \t shadow \t leaf    create dir/leaf from shadowDir/shadow
 * D dir \t leaf \t dev:ino         delete leaf if it is still that inode
 * end crc32c-hex
 * </pre>
 */
record CommitRecord(List<Step> steps) {
    static final String MAGIC = "txring-commit 2\n";

    enum Kind { REPLACE, CREATE, DELETE }

    /** One step; {@code dir} and {@code shadowDir} are relative to the root ("" for the root). */
    record Step(Kind kind, String dir, String shadowDir, String shadow, String leaf, long dev, long ino) {
        static Step delete(String dir, String leaf, long dev, long ino) {
            return new Step(Kind.DELETE, dir, null, null, leaf, dev, ino);
        }
    }

    byte[] encode() {
        StringBuilder b = new StringBuilder(MAGIC);
        for (Step s : steps) {
            switch (s.kind()) {
                case REPLACE, CREATE -> b.append(s.kind() == Kind.REPLACE ? "R " : "N ").append(s.dir()).append('\t')
                        .append(s.shadowDir()).append('\t').append(s.shadow()).append('\t').append(s.leaf());
                case DELETE -> b.append("D ").append(s.dir()).append('\t').append(s.leaf()).append('\t').append(s.dev()).append(':').append(s.ino());
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

    /** The record, or {@code null} when it is torn or incomplete (the transaction never committed). */
    static CommitRecord decode(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (!text.startsWith(MAGIC) || !text.endsWith("\n")) return null;
        int endAt = text.lastIndexOf("end ");
        if (endAt < 0 || text.charAt(endAt - 1) != '\n') return null;
        byte[] body = text.substring(0, endAt).getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(body);
        if (!text.substring(endAt + 4).strip().equals(Long.toHexString(crc.getValue()))) return null;
        List<Step> steps = new ArrayList<>();
        for (String line : text.substring(MAGIC.length(), endAt).split("\n")) {
            if (line.isEmpty()) continue;
            String[] f = line.substring(2).split("\t", -1);
            switch (line.charAt(0)) {
                case 'R', 'N' -> {
                    if (f.length != 4) return null;
                    steps.add(new Step(line.charAt(0) == 'R' ? Kind.REPLACE : Kind.CREATE, f[0], f[1], f[2], f[3], 0, 0));
                }
                case 'D' -> {
                    if (f.length != 3) return null;
                    String[] id = f[2].split(":");
                    steps.add(Step.delete(f[0], f[1], Long.parseLong(id[0]), Long.parseLong(id[1])));
                }
                default -> { return null; }
            }
        }
        return new CommitRecord(steps);
    }
}
