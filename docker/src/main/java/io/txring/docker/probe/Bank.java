package io.txring.docker.probe;

import io.txring.txn.ConflictException;
import io.txring.txn.Store;
import io.txring.txn.StoreConfig;
import io.txring.txn.Transaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Accounts as files in a txring store, money moved between them by transactions; run in
 * two containers on one volume, each single-threaded, so every conflict it reports was
 * detected against the other container's commits.
 * <ul>
 *   <li>{@code Bank init ROOT ACCOUNTS BALANCE}: creates the accounts;</li>
 *   <li>{@code Bank run ROOT NAME TRANSFERS PEERS}: waits (≤ 60 s) until PEERS runs are ready,
 *       then commits TRANSFERS transfers, a refused commit (conflict) retried with a fresh
 *       transaction; prints {@code bank NAME: transfers=… conflicts=…};</li>
 *   <li>{@code Bank total ROOT ACCOUNTS}: prints {@code bank: total=… lowest=…}.</li>
 * </ul>
 */
public final class Bank {
    private static final int MAX_ATTEMPTS_PER_TRANSFER = 1_000;

    private Bank() {}

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[1]);
        switch (args[0]) {
            case "init" -> init(root, Integer.parseInt(args[2]), Long.parseLong(args[3]));
            case "run" -> run(root, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "total" -> total(root, Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException("init | run | total, not " + args[0]);
        }
    }

    private static String account(int i) {
        return "account-" + i;
    }

    private static void init(Path root, int accounts, long balance) throws Exception {
        Files.createDirectories(root);
        try (Store store = Store.open(root)) {
            store.run(tx -> {
                for (int i = 0; i < accounts; i++) tx.create(account(i), Long.toString(balance).getBytes(StandardCharsets.US_ASCII));
                return null;
            });
        }
        System.out.println("bank: " + accounts + " accounts of " + balance);
    }

    private static void run(Path root, String name, int transfers, int peers) throws Exception {
        Path ready = root.resolveSibling(root.getFileName() + "-ready");
        Files.createDirectories(ready);
        Files.writeString(ready.resolve(name), "");
        for (int i = 0; i < 600 && countFiles(ready, "") < peers; i++) Thread.sleep(100);
        if (countFiles(ready, "") < peers) throw new IllegalStateException("the other " + (peers - 1) + " run(s) never got ready in " + ready);

        ThreadLocalRandom random = ThreadLocalRandom.current();
        int accounts = countFiles(root, "account-");
        int conflicts = 0;
        // One attempt per transaction: a conflict is counted here, then a fresh transaction retries.
        try (Store store = Store.open(root, StoreConfig.defaults().withMaxAttempts(1))) {
            for (int t = 0; t < transfers; t++) {
                int from = random.nextInt(accounts), to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                for (int attempt = 1; ; attempt++) {
                    try (Transaction tx = store.begin()) {
                        long a = balance(tx, account(from)), b = balance(tx, account(to));
                        long amount = Math.min(a, 1 + random.nextInt(10));
                        tx.write(account(from), Long.toString(a - amount).getBytes(StandardCharsets.US_ASCII));
                        tx.write(account(to), Long.toString(b + amount).getBytes(StandardCharsets.US_ASCII));
                        tx.commit();
                        break;
                    } catch (ConflictException e) {
                        conflicts++;
                        if (attempt == MAX_ATTEMPTS_PER_TRANSFER) throw e;
                    }
                }
            }
        }
        System.out.println("bank " + name + ": transfers=" + transfers + " conflicts=" + conflicts);
    }

    private static void total(Path root, int accounts) throws Exception {
        long total = 0, lowest = Long.MAX_VALUE;
        try (Store store = Store.open(root); Transaction tx = store.begin()) {
            for (int i = 0; i < accounts; i++) {
                long b = balance(tx, account(i));
                total += b;
                lowest = Math.min(lowest, b);
            }
            tx.commit(); // a read-only transaction validates too: the total is of one consistent state
        }
        System.out.println("bank: total=" + total + " lowest=" + lowest);
    }

    private static long balance(Transaction tx, String account) throws java.io.IOException {
        return Long.parseLong(new String(tx.read(account), StandardCharsets.US_ASCII).trim());
    }

    private static int countFiles(Path dir, String prefix) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.filter(p -> p.getFileName().toString().startsWith(prefix)).count();
        }
    }
}
