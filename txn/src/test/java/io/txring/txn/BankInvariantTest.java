package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The classic isolation check: money moves between 50 account files in transactions
 * from 16 threads here and from a second JVM on the same store at the same time; the
 * total never changes and no update is lost.
 */
class BankInvariantTest {
    static final int ACCOUNTS = 50;
    static final long START = 1_000;

    @TempDir Path root;

    static String account(int i) {
        return "acct/" + i;
    }

    /** One transfer: read both balances, move a random amount if the source can pay. */
    static void transfer(Store store, SplittableRandom rnd) throws IOException {
        int from = rnd.nextInt(ACCOUNTS), to = rnd.nextInt(ACCOUNTS - 1);
        if (to >= from) to++;
        int a = from, b = to;
        long amount = rnd.nextLong(1, 50);
        store.run(tx -> {
            long fa = Long.parseLong(new String(tx.read(account(a)), UTF_8));
            long fb = Long.parseLong(new String(tx.read(account(b)), UTF_8));
            if (fa < amount) return null;
            tx.write(account(a), Long.toString(fa - amount).getBytes(UTF_8));
            tx.write(account(b), Long.toString(fb + amount).getBytes(UTF_8));
            return null;
        });
    }

    static StoreConfig config() {
        // CONSISTENT: isolation is what this test checks; DURABLE would only add fsync time.
        return StoreConfig.defaults().withDurability(Durability.CONSISTENT).withMaxAttempts(100_000);
    }

    /** The second JVM: {@code java … BankInvariantTest$Worker ROOT TRANSFERS SEED}. */
    public static final class Worker {
        public static void main(String[] args) throws Exception {
            try (Store store = Store.open(Path.of(args[0]), config())) {
                SplittableRandom rnd = new SplittableRandom(Long.parseLong(args[2]));
                for (int i = 0, n = Integer.parseInt(args[1]); i < n; i++) transfer(store, rnd);
                StoreMetrics m = store.metrics();
                System.out.println("worker commits=" + m.commits() + " conflicts=" + m.conflicts());
            }
        }
    }

    @Test
    void totalIsConstantUnderConcurrentTransfersFromTwoProcesses() throws Exception {
        Files.createDirectories(root.resolve("acct"));
        for (int i = 0; i < ACCOUNTS; i++) Files.writeString(root.resolve(account(i)), Long.toString(START));
        int threads = 16, each = 2_000, workerTransfers = 4_000;
        try (Store store = Store.open(root, config())) {
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process other = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    Worker.class.getName(), root.toString(), Integer.toString(workerTransfers), "42")
                    .redirectErrorStream(true).start();
            List<Thread> ts = new ArrayList<>();
            AtomicLong errors = new AtomicLong();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    for (int i = 0; i < each; i++) {
                        try {
                            transfer(store, rnd);
                        } catch (IOException e) {
                            errors.incrementAndGet();
                            e.printStackTrace();
                        }
                    }
                }));
            }
            for (Thread t : ts) t.join();
            String otherOut = new String(other.getInputStream().readAllBytes(), UTF_8);
            assertEquals(0, other.waitFor(), otherOut);
            assertEquals(0, errors.get());
            long total = 0;
            for (int i = 0; i < ACCOUNTS; i++) total += Long.parseLong(Files.readString(root.resolve(account(i))));
            assertEquals(ACCOUNTS * START, total, "money was created or destroyed");
            StoreMetrics m = store.metrics();
            System.out.printf("bank: %d transfers here (%d conflicts, %d attempts) + second JVM: %s%n",
                    m.commits(), m.conflicts(), m.attempts(), otherOut.strip());
            assertEquals((long) threads * each, m.commits());
        }
    }
}
