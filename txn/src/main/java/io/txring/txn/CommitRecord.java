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
 * txring-commit 1
 * R dir \t shadow \t leaf          replace leaf by shadow
 * N dir \t shadow \t leaf          create leaf from shadow
 * D dir \t leaf \t dev:ino         delete leaf if it is still that inode
 * end crc32c-hex
 * </pre>
 */
record CommitRecord(List<Step> steps) {
    static final String MAGIC = "txring-commit 1\n";

    enum Kind { REPLACE, CREATE, DELETE }

    /** One step; {@code dir} is relative to the root ("" for the root). */
    record Step(Kind kind, String dir, String shadow, String leaf, long dev, long ino) {}

    byte[] encode() {
        StringBuilder b = new StringBuilder(MAGIC);
        for (Step s : steps) {
            switch (s.kind()) {
                case REPLACE -> b.append("R ").append(s.dir()).append('\t').append(s.shadow()).append('\t').append(s.leaf());
                case CREATE -> b.append("N ").append(s.dir()).append('\t').append(s.shadow()).append('\t').append(s.leaf());
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
                case 'R' -> steps.add(new Step(Kind.REPLACE, f[0], f[1], f[2], 0, 0));
                case 'N' -> steps.add(new Step(Kind.CREATE, f[0], f[1], f[2], 0, 0));
                case 'D' -> {
                    String[] id = f[2].split(":");
                    steps.add(new Step(Kind.DELETE, f[0], null, f[1], Long.parseLong(id[0]), Long.parseLong(id[1])));
                }
                default -> { return null; }
            }
        }
        return new CommitRecord(steps);
    }
}
