package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.txring.core.Backend;
import io.txring.core.RingConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A worker JVM of {@link MultiProcessCrashTest}: bank transfers between the
 * {@value #ACCOUNTS} account files of one store, each one {@code store.run(tx -> read two
 * accounts, write both)}, until the test creates its stop file, its time is up, or it is
 * SIGKILLed.
 *
 * <p>{@code java … MultiProcessCrashWorker ROOT BACKEND SEED MAX_MILLIS STOP_FILE}
 *
 * <p>Protocol on stdout, one line each:
 * <ul>
 *   <li>{@code READY <recoverySummary>} once the store is open;</li>
 *   <li>{@code C commits conflicts attempts failures} after every committed transfer (so the
 *       test knows how far a JVM it kills had got);</li>
 *   <li>{@code FAIL <n> <exception>} followed by its stack trace, for every exception that
 *       escaped {@code store.run} (at most {@value #MAX_FAILURES}; the worker goes on after one);</li>
 *   <li>{@code DONE commits conflicts attempts failures orphansFinished transfers} at a clean end.</li>
 * </ul>
 * Exit status: 0 clean, {@value #EXIT_FAILURES} if anything escaped {@code store.run},
 * {@value #EXIT_FATAL} if the store could not even be opened or closed.
 * A worker whose parent died exits on its own within about half a second.
 */
public final class MultiProcessCrashWorker {
    static final int ACCOUNTS = 20;
    static final long START = 1_000;
    static final long TOTAL = ACCOUNTS * START;
    static final long MAX_AMOUNT = 100;
    static final int MAX_FAILURES = 50;
    static final int EXIT_FAILURES = 3;
    static final int EXIT_FATAL = 4;

    private MultiProcessCrashWorker() {}

    static String account(int i) {
        return "acct/" + i;
    }

    static StoreConfig config(Backend backend) {
        return StoreConfig.defaults().withRing(RingConfig.builder().backend(backend).build());
    }

    /**
     * One transfer between a random pair of distinct accounts: reads both, moves at most
     * what the source holds (so no balance goes negative), writes both. Returns the amount
     * moved (0: the source was empty and the transaction only read).
     */
    static long transfer(Store store, SplittableRandom rnd) throws IOException {
        int from = rnd.nextInt(ACCOUNTS), to = rnd.nextInt(ACCOUNTS - 1);
        if (to >= from) to++;
        int a = from, b = to;
        long wanted = rnd.nextLong(1, MAX_AMOUNT + 1);
        return store.run(tx -> {
            long fa = parse(tx.read(account(a)), account(a));
            long fb = parse(tx.read(account(b)), account(b));
            long amount = Math.min(wanted, fa);
            if (amount <= 0) return 0L;
            tx.write(account(a), Long.toString(fa - amount).getBytes(UTF_8));
            tx.write(account(b), Long.toString(fb + amount).getBytes(UTF_8));
            return amount;
        });
    }

    static long parse(byte[] bytes, String path) throws IOException {
        String s = new String(bytes, UTF_8);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException(path + " holds no decimal balance: '" + s + "'", e);
        }
    }

    static String metrics(StoreMetrics m) {
        return m.commits() + " " + m.conflicts() + " " + m.attempts() + " " + m.failures() + " " + m.orphansFinished();
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Backend backend = Backend.valueOf(args[1]);
        SplittableRandom rnd = new SplittableRandom(Long.parseLong(args[2]));
        long deadline = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000L;
        Path stop = Path.of(args[4]);
        watchParent();
        int failures = 0;
        long transfers = 0;
        try (Store store = Store.open(root, config(backend))) {
            say("READY " + store.recoverySummary());
            long nextStopCheck = 0;
            while (true) {
                long now = System.nanoTime();
                if (now - deadline >= 0) break;
                if (now - nextStopCheck >= 0) {
                    if (Files.exists(stop)) break;
                    nextStopCheck = now + 50_000_000L;
                }
                try {
                    long moved = transfer(store, rnd);
                    transfers++;
                    if (moved > 0) say("C " + metrics(store.metrics()));
                } catch (Exception e) {
                    failures++;
                    say("FAIL " + failures + " " + e + "\n" + stackTrace(e));
                    if (failures >= MAX_FAILURES) {
                        say("FAIL giving up after " + failures + " failures");
                        break;
                    }
                }
            }
            say("DONE " + metrics(store.metrics()) + " " + transfers);
        } catch (Throwable t) {
            say("FATAL " + t + "\n" + stackTrace(t));
            System.out.flush();
            System.exit(EXIT_FATAL);
        }
        System.out.flush();
        System.exit(failures > 0 ? EXIT_FAILURES : 0);
    }

    /** If the test JVM dies (a timeout, a crash), this worker must not run on alone. */
    private static void watchParent() {
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        if (parent == null) return;
        Thread.ofPlatform().daemon().name("parent-watch").start(() -> {
            while (parent.isAlive()) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Runtime.getRuntime().halt(EXIT_FATAL);
        });
    }

    /** One line, flushed at once: the test reads these while this JVM runs (and may SIGKILL it any moment). */
    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString().strip();
    }
}
