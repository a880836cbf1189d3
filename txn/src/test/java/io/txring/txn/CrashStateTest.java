package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.core.RingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash-state exploration: record the op log of a transaction, build the states a crash
 * after each op could leave ({@link CrashModel}), materialize each in a scratch
 * directory, run recovery, and check the transaction is wholly applied or wholly absent.
 */
class CrashStateTest {
    /**
     * Crash states tried per crash point when there are more combinations than this: 1,024, or
     * {@code -Dtxring.test.crashStatesPerPoint} (the filesystem matrix samples fewer, every point still covered).
     */
    static final int CAP = Integer.getInteger("txring.test.crashStatesPerPoint", 1024);

    @TempDir Path tmp;
    int statesChecked;
    /** States in which a crash decided blocks of a record log one by one ({@link CrashModel.Choice#block}). */
    int logBlockStates;

    interface Body {
        void apply(Transaction tx) throws IOException;
    }

    @Test
    // A hang guard, not a speed target: 20,000–30,000 states at ≈ 7 ms each (a store opened and recovered per state) take
    // ≈ 3.5 min on a quiet 2-vCPU machine, close to the suite's 5-minute default.
    @org.junit.jupiter.api.Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
    void everyCrashStateRecoversToAllOrNothing() throws Exception {
        Map<String, String> init1 = Map.of("a", "A0");
        explore("1-path", init1, tx -> tx.write("a", "A1".getBytes(UTF_8)), Map.of("a", "A1"));

        Map<String, String> init2 = new LinkedHashMap<>();
        init2.put("a", "A0");
        init2.put("d/b", null);
        explore("2-path", init2, tx -> {
            tx.write("a", "A1".getBytes(UTF_8));
            tx.create("d/b", "B1".getBytes(UTF_8));
        }, mapOf("a", "A1", "d/b", "B1"));

        Map<String, String> init5 = new LinkedHashMap<>();
        init5.put("a", "A0");
        init5.put("log", "L0\n");
        init5.put("m", "m".repeat(5000));
        init5.put("c", "C0");
        init5.put("d/n", null);
        explore("5-path", init5, tx -> {
            tx.create("d/n", "N1".getBytes(UTF_8));
            tx.write("a", "A1-longer-than-before".getBytes(UTF_8));
            tx.append("log", "L1\n".getBytes(UTF_8));
            tx.map("m", 4090, 10).fill((byte) 'M');
            tx.delete("c");
        }, mapOf("a", "A1-longer-than-before", "log", "L0\nL1\n", "m", "m".repeat(4090) + "M".repeat(10) + "m".repeat(900), "c", null, "d/n", "N1"));
        Map<String, String> initSpread = new LinkedHashMap<>();
        for (String p : List.of("x/1", "x/2", "y/3", "z/4")) initSpread.put(p, null);
        initSpread.put("a", "A0");
        // Five paths over four directories: creates everywhere plus a replace.
        explore("5-path-spread", initSpread, tx -> {
            for (String p : List.of("x/1", "x/2", "y/3", "z/4")) tx.create(p, ("new " + p).getBytes(UTF_8));
            tx.write("a", "A1".getBytes(UTF_8));
        }, mapOf("x/1", "new x/1", "x/2", "new x/2", "y/3", "new y/3", "z/4", "new z/4", "a", "A1"));

        Map<String, String> initMail = new LinkedHashMap<>();
        for (String box : List.of("box1", "box2", "box3")) initMail.put(box + "/new/msg", null);
        // The mail-spool's delivery: one message written once, hard-linked into every mailbox.
        explore("3-mailboxes", initMail, tx -> {
            tx.create("box1/new/msg", "From: a\r\n\r\nhello\r\n".getBytes(UTF_8));
            tx.link("box1/new/msg", "box2/new/msg");
            tx.link("box1/new/msg", "box3/new/msg");
        }, mapOf("box1/new/msg", "From: a\r\n\r\nhello\r\n", "box2/new/msg", "From: a\r\n\r\nhello\r\n",
                "box3/new/msg", "From: a\r\n\r\nhello\r\n"));

        // The same with Maildir placement: shadows in tmp/, streamed, renamed once the size is known.
        String msg = "From: a\n\nhello\n";
        explore("3-mailboxes-maildir", ShadowPlacement.MAILDIR, initMail, List.of(tx -> {
            tx.create("box1/new/msg.part", new byte[0]);
            tx.append("box1/new/msg.part", "From: a\n".getBytes(UTF_8));
            tx.append("box1/new/msg.part", "\nhello\n".getBytes(UTF_8));
            tx.move("box1/new/msg.part", "box1/new/msg");
            tx.link("box1/new/msg", "box2/new/msg");
            tx.link("box1/new/msg", "box3/new/msg");
        }), List.of(mapOf("box1/new/msg", msg, "box2/new/msg", msg, "box3/new/msg", msg, "box1/new/msg.part", null)));

        // The mail-spool's delivery as it is now: a staged file, named once its size is known (no provisional path).
        explore("3-mailboxes-staged", ShadowPlacement.MAILDIR, initMail, List.of(tx -> {
            Transaction.Staged s = tx.stage("box1/new");
            tx.append(s, "From: a\n".getBytes(UTF_8));
            tx.append(s, "\nhello\n".getBytes(UTF_8));
            tx.create("box1/new/msg", s);
            tx.link("box1/new/msg", "box2/new/msg");
            tx.link("box1/new/msg", "box3/new/msg");
        }), List.of(mapOf("box1/new/msg", msg, "box2/new/msg", msg, "box3/new/msg", msg)));

        // Every shadow in one staging directory that is also a target: its fsync must come after a/'s.
        Map<String, String> initStage = new LinkedHashMap<>();
        initStage.put("stage/x", "X0");
        initStage.put("a/y", null);
        initStage.put("b/z", "Z0");
        explore("staging-dir-is-a-target", dir -> "stage", initStage, List.of(tx -> {
            tx.write("stage/x", "X1".getBytes(UTF_8));
            tx.create("a/y", "Y1".getBytes(UTF_8));
            tx.write("b/z", "Z1".getBytes(UTF_8));
        }), List.of(mapOf("stage/x", "X1", "a/y", "Y1", "b/z", "Z1")));

        Map<String, String> initSeq = new LinkedHashMap<>();
        initSeq.put("a", "A0");
        initSeq.put("c", "C0");
        initSeq.put("d/b", null);
        // Two commits in a row on the same paths: the first's record must never replay over the second.
        explore("sequential", initSeq, List.of(
                tx -> { tx.write("a", "A1".getBytes(UTF_8)); tx.delete("c"); tx.create("d/b", "B1".getBytes(UTF_8)); },
                tx -> { tx.create("c", "C2".getBytes(UTF_8)); },
                tx -> { tx.write("a", "A3".getBytes(UTF_8)); tx.link("a", "d/a-link"); }),
                List.of(mapOf("a", "A1", "c", null, "d/b", "B1", "d/a-link", null),
                        mapOf("a", "A1", "c", "C2", "d/b", "B1", "d/a-link", null),
                        mapOf("a", "A3", "c", "C2", "d/b", "B1", "d/a-link", "A3")));
        System.out.printf("crash-state exploration: %,d crash states checked (%,d deciding record-log blocks), every one recovered to all or nothing%n",
                statesChecked, logBlockStates);
        assertTrue(statesChecked >= 10_000L * CAP / 1024, "explored " + statesChecked + " states (" + CAP + " per crash point at most)");
        // Records go to a log, decided block by block: between a record's write and its fdatasync, and after each removal (960 at 2026-11-30).
        assertTrue(logBlockStates >= 500L * CAP / 1024, "states deciding log blocks: " + logBlockStates);
    }

    private static Map<String, String> mapOf(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    private void explore(String name, Map<String, String> before, Body body, Map<String, String> after) throws Exception {
        explore(name, before, List.of(body), List.of(after));
    }

    /** Runs {@code bodies} as consecutive transactions; a crash must leave the state before one of them or after one. */
    private void explore(String name, Map<String, String> before, List<Body> bodies, List<Map<String, String>> afters) throws Exception {
        explore(name, ShadowPlacement.BESIDE_TARGET, before, bodies, afters);
    }

    private void explore(String name, ShadowPlacement placement, Map<String, String> before, List<Body> bodies,
                         List<Map<String, String>> afters) throws Exception {
        Map<String, String> after = afters.getLast();
        List<Map<String, String>> valid = new ArrayList<>();
        Map<String, String> initial = new LinkedHashMap<>();
        for (String k : after.keySet()) initial.put(k, before.get(k));
        valid.add(initial);
        valid.addAll(afters);
        Path root = Files.createDirectories(tmp.resolve(name + "/store")).toAbsolutePath().normalize();
        Files.createDirectories(root.resolve("d"));
        for (String p : before.keySet()) {
            Files.createDirectories(root.resolve(p).getParent());
            Files.createDirectories(root.resolve(placement.directoryFor(root.relativize(root.resolve(p).getParent()).toString())));
        }
        for (var e : before.entrySet()) if (e.getValue() != null) Files.writeString(root.resolve(e.getKey()), e.getValue());
        try (Store s = Store.open(root)) { } // creates .txring before the model reads the tree
        CrashModel model = new CrashModel(root);
        List<CrashModel.Event> log = new ArrayList<>();
        List<Integer> returnedAt = new ArrayList<>(); // per body: how many ops were recorded when its commit returned
        try (Store s = Store.open(root, StoreConfig.defaults().withShadowPlacement(placement).withRing(
                // SINGLE_ISSUER: the tracer runs on this thread, which may read the transaction's confined buffers
                RingConfig.builder().mode(io.txring.core.Mode.SINGLE_ISSUER).tracer(CrashModel.recorder(log)).build()))) {
            for (Body body : bodies) {
                try (Transaction tx = s.begin()) {
                    body.apply(tx);
                    tx.commit();
                }
                synchronized (log) {
                    returnedAt.add(log.size()); // ops recorded from here on ran after commit returned
                }
                // A delivery's last step runs on the flusher after commit returned; the model needs one order of the ops
                // on every fd number, so the next transaction waits for it (a fd closed there may be reused here).
                s.settleDeferred();
            }
        }
        assertState(root, List.of(after), "the real run");
        Random rnd = new Random(name.hashCode());
        int scratchN = 0;
        for (int k = 0; k < log.size(); k++) {
            model.apply(log.get(k));
            List<CrashModel.Choice> choices = model.uncertain();
            long total = 1;
            for (CrashModel.Choice c : choices) total = Math.min(Long.MAX_VALUE / 4, total * c.options());
            List<int[]> picks = new ArrayList<>();
            if (total <= CAP) {
                for (long n = 0; n < total; n++) {
                    int[] p = new int[choices.size()];
                    long x = n;
                    for (int c = 0; c < p.length; c++) {
                        p[c] = (int) (x % choices.get(c).options());
                        x /= choices.get(c).options();
                    }
                    picks.add(p);
                }
            } else {
                picks.add(new int[choices.size()]); // nothing since the last syncs survived
                int[] all = new int[choices.size()];
                for (int c = 0; c < all.length; c++) all[c] = 1; // everything survived
                picks.add(all);
                while (picks.size() < CAP) {
                    int[] p = new int[choices.size()];
                    for (int c = 0; c < p.length; c++) p[c] = rnd.nextInt(choices.get(c).options());
                    picks.add(p);
                }
            }
            if (choices.stream().anyMatch(c -> c.block() >= 0)) logBlockStates += picks.size();
            for (int[] pick : picks) {
                Path scratch = tmp.resolve(name + "/crash-" + (scratchN++));
                model.materialize(scratch, choices, pick);
                try (Store recovered = Store.open(scratch)) {
                    assertNotNull(recovered.recoverySummary());
                }
                // A commit that returned survives every crash after that: only the states from it on are valid then.
                int returned = 0;
                while (returned < returnedAt.size() && returnedAt.get(returned) <= k) returned++;
                assertState(scratch, valid.subList(returned, valid.size()),
                        name + ": crash after op " + k + " (" + log.get(k) + ")" + (returned > 0 ? ", after " + returned + " commit(s) returned" : ""));
                statesChecked++;
                deleteTree(scratch);
            }
        }
    }

    private static void assertState(Path root, List<Map<String, String>> valid, String where) throws IOException {
        Map<String, String> now = new LinkedHashMap<>();
        for (String p : valid.getLast().keySet()) {
            Path f = root.resolve(p);
            now.put(p, Files.exists(f) ? Files.readString(f) : null);
        }
        assertTrue(valid.contains(now), () -> where + ": torn state " + now + ", valid: " + valid);
        try (Stream<Path> s = Files.walk(root)) {
            List<Path> shadows = s.filter(x -> x.getFileName().toString().startsWith(".txr-")).toList();
            assertEquals(List.of(), shadows, where + ": shadows left after recovery");
        }
        try (Stream<Path> s = Files.list(root.resolve(".txring/journal"))) {
            assertEquals(0, s.count(), where + ": commit records left after recovery");
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
