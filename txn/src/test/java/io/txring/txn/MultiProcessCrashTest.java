package io.txring.txn;

import static io.txring.txn.MultiProcessCrashWorker.ACCOUNTS;
import static io.txring.txn.MultiProcessCrashWorker.TOTAL;
import static io.txring.txn.MultiProcessCrashWorker.account;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import io.txring.core.Backend;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 12 §4: several JVMs on one store, one of them SIGKILLed at random moments.
 *
 * <p>{@value MultiProcessCrashWorker#ACCOUNTS} account files {@code acct/<i>} start at
 * 1000 each (total {@value MultiProcessCrashWorker#TOTAL}). Two long-lived worker JVMs and a
 * third, "victim", JVM move money between random pairs with {@code store.run(tx -> read two
 * accounts, write both)} ({@link MultiProcessCrashWorker}). The victim is SIGKILLed
 * ({@link Process#destroyForcibly()}) after a random 50–400 ms of work and restarted, at
 * least {@value #MIN_KILLS} times. Meanwhile an auditor in this JVM sums all accounts in
 * read-only {@code store.run} transactions; {@code run} returning means the read-only
 * transaction validated, so every such sum must be the total.
 *
 * <p>At the end every child is stopped, the store is opened alone here (which runs
 * recovery), and the test requires: every audited committed sum was the total (and there
 * were audits), the total after recovery is the total, every balance is a non-negative
 * decimal, no transaction of any JVM (workers, victim before its kill, auditor) ended in an
 * exception, the victim was killed at least {@value #MIN_KILLS} times, and nothing is left
 * behind: no {@code .txr-*} shadow anywhere under the root and nothing in
 * {@code .txring/journal/}. Every violation is listed with its values.
 *
 * <p>Randomness (pairs, amounts, kill moments) is seeded; the seed is printed. Rerun one with
 * {@code -Dtxring.crash.seed=N} (the scheduling of three JVMs is not reproducible, but the
 * choices are). Run it alone with
 * {@code ./txring mvn -pl txn -am -Dtest=MultiProcessCrashTest -Dsurefire.failIfNoSpecifiedTests=false install}
 * or {@code -Dgroups=multiprocess-crash}.
 */
@Tag("multiprocess-crash")
class MultiProcessCrashTest {
    static final int MIN_KILLS = 20;
    /** Kills aimed for; more than {@link #MIN_KILLS} so a slow start or two does not decide the outcome. */
    static final int TARGET_KILLS = 25;
    /** Committed audits required: an auditor that (almost) never got through proves nothing. */
    static final long MIN_AUDITS = 20;
    static final long KILL_PHASE_MILLIS = 70_000;
    static final long READY_TIMEOUT_MILLIS = 20_000;
    static final long WORKER_MAX_MILLIS = 150_000;
    static final long VICTIM_MAX_MILLIS = 20_000;
    /** How long the survivors go on after the last kill, stepping over what it left. */
    static final long AFTER_LAST_KILL_MILLIS = 1_500;
    static final int KEEP_DETAILS = 8;

    /** One seed for the whole class (both backends), logged; {@code -Dtxring.crash.seed=N} repeats a run's choices. */
    static final long SEED = Long.getLong("txring.crash.seed", System.nanoTime() ^ System.currentTimeMillis() * 1_000_003L);

    @TempDir Path tmp;

    /** A child JVM and what it said on stdout. */
    static final class Child {
        final String name;
        final Process process;
        final Thread reader;
        final CountDownLatch ready = new CountDownLatch(1);
        volatile String readyLine;
        /** The last "C commits conflicts attempts failures" line's numbers. */
        volatile long[] last = new long[4];
        volatile String doneLine;
        final AtomicLong failLines = new AtomicLong();
        final List<String> noteworthy = Collections.synchronizedList(new ArrayList<>());

        Child(String name, Process process) {
            this.name = name;
            this.process = process;
            this.reader = Thread.ofPlatform().daemon().name("out-" + name).start(this::read);
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("C ")) {
                        last = Arrays.stream(line.substring(2).split(" ")).mapToLong(Long::parseLong).toArray();
                    } else if (line.startsWith("READY")) {
                        readyLine = line;
                        ready.countDown();
                    } else {
                        if (line.startsWith("DONE ")) doneLine = line;
                        if (line.startsWith("FAIL ") || line.startsWith("FATAL ")) failLines.incrementAndGet();
                        if (noteworthy.size() < 400) noteworthy.add(line);
                    }
                }
            } catch (IOException | RuntimeException e) {
                noteworthy.add("(reading its output failed: " + e + ")");
            }
        }

        /** The first failure it reported, with a few lines of its stack trace. */
        String firstFailure() {
            synchronized (noteworthy) {
                for (int i = 0; i < noteworthy.size(); i++) {
                    String l = noteworthy.get(i);
                    if (l.startsWith("FAIL ") || l.startsWith("FATAL ")) {
                        return String.join("\n      ", noteworthy.subList(i, Math.min(noteworthy.size(), i + 8)));
                    }
                }
                return noteworthy.isEmpty() ? "(no output)" : String.join("\n      ", noteworthy.subList(0, Math.min(8, noteworthy.size())));
            }
        }

        long commits() { return last[0]; }
    }

    private final List<Child> children = Collections.synchronizedList(new ArrayList<>());

    private Child spawn(String name, Path root, Backend backend, long seed, long maxMillis, Path stop) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-ea", "-Xss1m", "-Xmx256m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-cp", System.getProperty("java.class.path"), MultiProcessCrashWorker.class.getName(),
                root.toString(), backend.name(), Long.toString(seed), Long.toString(maxMillis), stop.toString())
                .redirectErrorStream(true).start();
        Child c = new Child(name, p);
        children.add(c);
        return c;
    }

    /** Kills and reaps every child still running; each is waited for, whatever happens. */
    private void killAll() {
        List<Child> all;
        synchronized (children) {
            all = List.copyOf(children);
        }
        for (Child c : all) c.process.destroyForcibly();
        boolean interrupted = false;
        for (Child c : all) {
            while (true) { // waited for even if interrupted: no JVM is left behind
                try {
                    if (!c.process.waitFor(30, TimeUnit.SECONDS)) System.err.println("mp-crash: " + c.name + " (pid " + c.process.pid() + ") survived SIGKILL for 30 s");
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            try {
                c.reader.join(5_000);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Backend.class)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void sigkilledProcessNeverBreaksTheInvariant(Backend backend) throws Exception {
        long seed = SEED;
        System.out.printf("mp-crash[%s]: seed=%d (rerun with -Dtxring.crash.seed=%d)%n", backend, seed, seed);
        long t0 = System.nanoTime();
        Path root = tmp.resolve("store"), stop = tmp.resolve("stop");
        Files.createDirectories(root.resolve("acct"));
        for (int i = 0; i < ACCOUNTS; i++) Files.writeString(root.resolve(account(i)), Long.toString(MultiProcessCrashWorker.START));

        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> violations = new ArrayList<>();
        List<Child> workers = new ArrayList<>(), victims = new ArrayList<>();
        AtomicLong audits = new AtomicLong(), badAudits = new AtomicLong(), auditFailures = new AtomicLong(), auditGaveUp = new AtomicLong();
        List<String> auditDetails = Collections.synchronizedList(new ArrayList<>());
        Set<Long> badSums = ConcurrentHashMap.newKeySet();
        String auditorMetrics = "?";
        int kills = 0;
        String leftoverBefore;
        Store store = Store.open(root, MultiProcessCrashWorker.config(backend)); // the auditor's
        Thread auditor = null;
        AtomicBoolean stopAuditor = new AtomicBoolean();
        try {
            for (int w = 0; w < 2; w++) workers.add(spawn("worker" + (w + 1), root, backend, seed + 1 + w, WORKER_MAX_MILLIS, stop));
            for (Child w : workers) {
                if (!w.ready.await(READY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                    fail(w.name + " did not open the store within " + READY_TIMEOUT_MILLIS + " ms: " + w.firstFailure());
                }
            }

            long auditSeed = rnd.nextLong();
            auditor = Thread.ofPlatform().name("auditor").start(() -> {
                SplittableRandom ar = new SplittableRandom(auditSeed);
                long auditDeadline = System.nanoTime() + (KILL_PHASE_MILLIS + 60_000) * 1_000_000L;
                while (System.nanoTime() - auditDeadline < 0) {
                    if (stopAuditor.get()) break;
                    try {
                        Thread.sleep(ar.nextInt(2, 12)); // room for the workers on a small machine
                    } catch (InterruptedException e) {
                        return;
                    }
                    String[] seen;
                    try {
                        seen = store.run(tx -> {
                            String[] s = new String[ACCOUNTS];
                            for (int i = 0; i < ACCOUNTS; i++) s[i] = new String(tx.read(account(i)), UTF_8);
                            return s;
                        });
                    } catch (ConflictException e) {
                        // store.run retries until its deadline (30 s): giving up under this load is a starvation bug.
                        long n = auditGaveUp.incrementAndGet();
                        if (n <= KEEP_DETAILS) auditDetails.add("audit store.run gave up: " + e + " " + Arrays.toString(e.getSuppressed()));
                        continue;
                    } catch (Exception e) {
                        long n = auditFailures.incrementAndGet();
                        if (n <= KEEP_DETAILS) auditDetails.add("audit transaction failed: " + e);
                        continue;
                    }
                    long n = audits.incrementAndGet();
                    long sum = 0;
                    boolean wellFormed = true;
                    for (String s : seen) {
                        try {
                            long v = Long.parseLong(s);
                            if (v < 0) wellFormed = false;
                            sum += v;
                        } catch (NumberFormatException e) {
                            wellFormed = false;
                        }
                    }
                    if (sum != TOTAL || !wellFormed) {
                        badAudits.incrementAndGet();
                        // Once money is lost it stays lost: show each new wrong total once, not every audit that saw it.
                        if (badSums.add(sum) && badSums.size() <= KEEP_DETAILS) {
                            auditDetails.add(String.format("committed audit #%d at %.1f s: sum=%d (expected %d, off by %+d), balances=%s",
                                    n, (System.nanoTime() - t0) / 1e9, sum, TOTAL, sum - TOTAL, Arrays.toString(seen)));
                        }
                    }
                }
            });

            // The victim: start, let it work 50–400 ms, SIGKILL, again.
            long killDeadline = System.nanoTime() + KILL_PHASE_MILLIS * 1_000_000L;
            while (kills < TARGET_KILLS && System.nanoTime() - killDeadline < 0) {
                Child v = spawn("victim" + (kills + 1), root, backend, rnd.nextLong(), VICTIM_MAX_MILLIS, stop);
                victims.add(v);
                if (!v.ready.await(READY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                    violations.add(v.name + " did not open the store within " + READY_TIMEOUT_MILLIS + " ms (alive=" + v.process.isAlive()
                            + "): " + v.firstFailure());
                    break;
                }
                Thread.sleep(rnd.nextLong(50, 401));
                boolean alive = v.process.isAlive();
                v.process.destroyForcibly();
                if (!v.process.waitFor(30, TimeUnit.SECONDS)) fail(v.name + " survived SIGKILL for 30 s");
                v.reader.join(5_000);
                if (alive) {
                    kills++;
                } else {
                    violations.add(v.name + " exited by itself (status " + v.process.exitValue() + ") before its SIGKILL: " + v.firstFailure());
                }
            }
            Thread.sleep(AFTER_LAST_KILL_MILLIS);

            Files.writeString(stop, "");
            for (Child w : workers) {
                if (!w.process.waitFor(60, TimeUnit.SECONDS)) {
                    violations.add(w.name + " did not stop within 60 s of the stop file");
                    continue;
                }
                w.reader.join(5_000);
                if (w.process.exitValue() != 0 || w.doneLine == null) {
                    violations.add(w.name + " ended with status " + w.process.exitValue() + " after " + w.failLines.get()
                            + " failure lines; first: " + w.firstFailure());
                }
            }
            stopAuditor.set(true);
            auditor.join(60_000);
            if (auditor.isAlive()) violations.add("the auditor did not stop within 60 s");
            StoreMetrics am = store.metrics();
            auditorMetrics = am.commits() + " audits committed, " + am.conflicts() + " conflicts/" + am.attempts() + " attempts, "
                    + am.orphansFinished() + " dead commits finished";
        } finally {
            stopAuditor.set(true);
            try {
                Files.writeString(stop, "");
            } catch (IOException ignored) {
                // the children are killed below anyway
            }
            killAll();
            if (auditor != null) {
                auditor.join(60_000);
                if (auditor.isAlive()) auditor.interrupt();
            }
            store.close();
        }

        // What the JVMs left behind, before recovery (for the record; only the state after recovery is judged).
        leftoverBefore = shadows(root).size() + " shadows, " + journal(root).size() + " records";

        // Alone now: this open runs recovery.
        String recovery;
        long[] finalBalances = new long[ACCOUNTS];
        String[] finalRaw = new String[ACCOUNTS];
        try (Store alone = Store.open(root, MultiProcessCrashWorker.config(backend))) {
            recovery = alone.recoverySummary();
            if (recovery.startsWith("skipped")) violations.add("the final lone open did not run recovery: " + recovery);
            String[] seen = alone.run(tx -> {
                String[] s = new String[ACCOUNTS];
                for (int i = 0; i < ACCOUNTS; i++) s[i] = new String(tx.read(account(i)), UTF_8);
                return s;
            });
            for (int i = 0; i < ACCOUNTS; i++) {
                String onDisk = Files.readString(root.resolve(account(i)));
                if (!onDisk.equals(seen[i])) violations.add("after recovery " + account(i) + " read '" + seen[i] + "' in a transaction but '" + onDisk + "' directly");
                finalRaw[i] = onDisk;
            }
        }
        long finalTotal = 0;
        for (int i = 0; i < ACCOUNTS; i++) {
            try {
                finalBalances[i] = Long.parseLong(finalRaw[i]);
                if (finalBalances[i] < 0) violations.add("after recovery " + account(i) + " is negative: " + finalBalances[i]);
            } catch (NumberFormatException e) {
                violations.add("after recovery " + account(i) + " holds no decimal balance: '" + finalRaw[i] + "'");
            }
            finalTotal += finalBalances[i];
        }
        if (finalTotal != TOTAL) {
            violations.add(String.format("total after recovery is %d, expected %d (off by %+d); balances=%s",
                    finalTotal, TOTAL, finalTotal - TOTAL, Arrays.toString(finalRaw)));
        }
        List<Path> shadowsLeft = shadows(root);
        if (!shadowsLeft.isEmpty()) {
            violations.add(shadowsLeft.size() + " shadow files left after recovery: "
                    + shadowsLeft.stream().limit(KEEP_DETAILS).map(p -> root.relativize(p).toString()).toList());
        }
        List<String> recordsLeft = journal(root);
        if (!recordsLeft.isEmpty()) {
            violations.add(recordsLeft.size() + " commit records left in .txring/journal after recovery: " + recordsLeft.stream().limit(KEEP_DETAILS).toList());
        }

        // The JVMs' and the auditor's own reports.
        if (audits.get() < MIN_AUDITS) {
            violations.add("the auditor committed only " + audits.get() + " audits (at least " + MIN_AUDITS + " required; "
                    + auditGaveUp.get() + " gave up on conflicts)");
        }
        List<String> details;
        synchronized (auditDetails) {
            details = List.copyOf(auditDetails);
        }
        if (badAudits.get() > 0) {
            violations.add(badAudits.get() + " of " + audits.get() + " committed read-only audits saw a total other than " + TOTAL
                    + " (" + badSums.size() + " distinct wrong totals); the first audit to see each:\n      "
                    + String.join("\n      ", details.stream().filter(d -> d.startsWith("committed audit")).toList()));
        }
        if (auditGaveUp.get() > 0) {
            violations.add(auditGaveUp.get() + " audits: store.run gave up on conflicts (it must retry until its deadline without starving):\n      "
                    + String.join("\n      ", details.stream().filter(d -> d.startsWith("audit store.run gave up")).toList()));
        }
        if (auditFailures.get() > 0) {
            violations.add(auditFailures.get() + " audit transactions ended in an exception other than a conflict; first:\n      "
                    + String.join("\n      ", details.stream().filter(d -> d.startsWith("audit transaction failed")).toList()));
        }
        long victimFailures = 0;
        Child firstFailedVictim = null;
        for (Child v : victims) {
            if (v.failLines.get() > 0) {
                victimFailures += v.failLines.get();
                if (firstFailedVictim == null) firstFailedVictim = v;
            }
        }
        if (victimFailures > 0) {
            violations.add(victimFailures + " transactions of the victim ended in an exception before it was killed; first, in "
                    + firstFailedVictim.name + ": " + firstFailedVictim.firstFailure());
        }
        if (kills < MIN_KILLS) violations.add("the victim was SIGKILLed only " + kills + " times (at least " + MIN_KILLS + " required)");

        long victimCommits = victims.stream().mapToLong(Child::commits).sum();
        long victimConflicts = victims.stream().mapToLong(v -> v.last[1]).sum();
        long victimAttempts = victims.stream().mapToLong(v -> v.last[2]).sum();
        StringBuilder perWorker = new StringBuilder();
        for (Child w : workers) {
            String done = w.doneLine; // DONE commits conflicts attempts failures orphansFinished transfers
            perWorker.append(w.name).append(' ');
            if (done != null) {
                String[] f = done.split(" ");
                perWorker.append(f[1]).append(" commits (").append(f[2]).append(" conflicts/").append(f[3]).append(" attempts, ")
                        .append(f[4]).append(" failures, ").append(f[5]).append(" dead commits finished), ");
            } else {
                perWorker.append(w.commits()).append("+ transfers (no DONE: ").append(w.failLines.get()).append(" failure lines), ");
            }
        }
        String summary = String.format("mp-crash[%s] seed=%d: %d kills; %svictim %d transfers over %d lives (%d conflicts/%d attempts); "
                        + "auditor %d audits (%d bad, %d failed, %d gave up on conflicts; %s); left by the JVMs: %s; final recovery: %s; final total %d; %.1f s",
                backend, seed, kills, perWorker, victimCommits, victims.size(), victimConflicts, victimAttempts,
                audits.get(), badAudits.get(), auditFailures.get(), auditGaveUp.get(), auditorMetrics, leftoverBefore, recovery, finalTotal,
                (System.nanoTime() - t0) / 1e9);
        System.out.println(summary);
        if (!violations.isEmpty()) {
            fail(violations.size() + " invariant violations (seed " + seed + "):\n  " + String.join("\n  ", violations) + "\n" + summary);
        }
    }

    /** Every {@code .txr-*} file anywhere under the root, {@code .txring/} included. */
    static List<Path> shadows(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".txr-"))
                    .filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        }
    }

    static List<String> journal(Path root) throws IOException {
        Path j = root.resolve(".txring/journal");
        if (!Files.isDirectory(j)) return List.of();
        try (Stream<Path> s = Files.list(j)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
