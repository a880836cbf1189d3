package io.txring.docker.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checks a spool the probes delivered into against their ack logs, after recovery:
 * <ol>
 *   <li>every acknowledged message is in every one of its recipients' {@code new/}, complete;</li>
 *   <li>every message in the spool is in all of its recipients' mailboxes, once each, or in none;</li>
 *   <li>every stored message is byte for byte what was sent (nothing torn);</li>
 *   <li>no txring shadow ({@code .txr-*}) is left anywhere and every {@code tmp/} is empty.</li>
 * </ol>
 * {@code SpoolAudit --spool DIR --acks DIR}. Prints {@code audit: acked=… verified=…
 * unacked-delivered=… messages=… problems=…} and the first problems; exits 1 if there are any.
 */
public final class SpoolAudit {
    private static final int PROBLEMS_SHOWN = 30;

    private SpoolAudit() {}

    public static void main(String[] argv) throws IOException {
        Args args = new Args(argv);
        Path spool = Path.of(args.get("spool"));
        Path acksDir = Path.of(args.get("acks"));
        List<String> problems = new ArrayList<>();

        // id -> mailboxes holding it (a list: a duplicate shows as a repeat)
        Map<String, List<String>> found = new HashMap<>();
        Map<String, List<String>> intended = new HashMap<>();
        int files = 0;
        if (Files.isDirectory(spool)) {
            try (Stream<Path> all = Files.walk(spool)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Path rel = spool.relativize(p);
                    if (rel.getNameCount() == 0 || rel.getName(0).toString().equals(".txring")) continue;
                    if (p.getFileName().toString().startsWith(".txr-")) problems.add("shadow left: " + rel);
                    if (!Files.isRegularFile(p) || rel.getNameCount() != 3) continue;
                    String mailbox = rel.getName(0).toString(), sub = rel.getName(1).toString();
                    if (sub.equals("tmp")) {
                        problems.add("tmp/ garbage: " + rel);
                    } else if (sub.equals("new") || sub.equals("cur")) {
                        files++;
                        checkMessage(p, rel, mailbox, found, intended, problems);
                    }
                }
            }
        }
        for (Map.Entry<String, List<String>> e : found.entrySet()) {
            List<String> holders = new ArrayList<>(e.getValue());
            holders.sort(null);
            List<String> want = new ArrayList<>(intended.get(e.getKey()));
            want.sort(null);
            if (!holders.equals(want)) problems.add("not all-or-none: " + e.getKey() + " is in " + holders + ", sent to " + want);
        }

        int acked = 0, verified = 0;
        java.util.Set<String> ackedIds = new java.util.HashSet<>();
        if (Files.isDirectory(acksDir)) {
            try (Stream<Path> logs = Files.list(acksDir)) {
                for (Path log : logs.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                    String text = Files.readString(log, StandardCharsets.US_ASCII);
                    for (String line : text.split("\n")) {
                        if (line.isEmpty()) continue;
                        String[] f = line.split("\t");
                        if (f.length != 2) { problems.add("bad ack line in " + log.getFileName() + ": " + line); continue; }
                        acked++;
                        ackedIds.add(f[0]);
                        List<String> holders = found.getOrDefault(f[0], List.of());
                        List<String> missing = new ArrayList<>(Arrays.asList(f[1].split(",")));
                        missing.removeAll(holders);
                        if (missing.isEmpty()) verified++;
                        else problems.add("acknowledged but missing: " + f[0] + " not in " + missing);
                    }
                }
            }
        }
        int unacked = 0;
        for (String id : found.keySet()) if (!ackedIds.contains(id)) unacked++;

        System.out.printf("audit: acked=%d verified=%d unacked-delivered=%d messages=%d files=%d problems=%d%n",
                acked, verified, unacked, found.size(), files, problems.size());
        for (String p : problems.subList(0, Math.min(PROBLEMS_SHOWN, problems.size()))) System.out.println("problem: " + p);
        System.exit(problems.isEmpty() ? 0 : 1);
    }

    private static void checkMessage(Path file, Path rel, String mailbox, Map<String, List<String>> found,
                                     Map<String, List<String>> intended, List<String> problems) throws IOException {
        byte[] stored = Files.readAllBytes(file);
        Map<String, String> h = TestMail.headers(stored);
        String id = h.get("Id"), to = h.get("To"), size = h.get("Size");
        if (id == null || to == null || size == null) {
            problems.add("not a test message (headers torn?): " + rel + " (" + stored.length + " bytes)");
            return;
        }
        List<String> recipients = List.of(to.split(","));
        byte[] expected = TestMail.content(id, recipients, Integer.parseInt(size));
        if (!Arrays.equals(stored, expected)) {
            problems.add("torn or altered: " + rel + " has " + stored.length + " bytes, " + expected.length + " were sent");
        }
        found.computeIfAbsent(id, k -> new ArrayList<>()).add(mailbox);
        intended.put(id, recipients);
        if (!recipients.contains(mailbox)) problems.add("in a mailbox it was not sent to: " + rel);
    }
}
