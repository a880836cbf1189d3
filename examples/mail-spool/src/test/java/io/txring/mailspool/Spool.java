package io.txring.mailspool;

import io.txring.core.RingConfig;
import io.txring.mailspool.bench.LmtpClient;
import io.txring.mailspool.lmtp.LmtpServer;
import io.txring.mailspool.lmtp.LmtpServerConfig;
import io.txring.txn.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Test fixture: a real spool (DURABLE, io_uring) behind a real LMTP server on 127.0.0.1. */
final class Spool implements AutoCloseable {
    final Path root;
    final DeliveryAgent agent;
    final LmtpServer server;

    Spool(Path root, LmtpServerConfig config) throws IOException {
        this.root = root;
        this.agent = DeliveryAgent.open(root, DeliveryAgent.storeConfig(Durability.DURABLE, RingConfig.defaults()));
        this.server = LmtpServer.start(agent, config);
    }

    Spool(Path root) throws IOException {
        this(root, LmtpServerConfig.loopback(0));
    }

    LmtpClient connect() throws IOException {
        return LmtpClient.connect(server.address(), Duration.ofSeconds(30));
    }

    /** A connected client past the greeting and LHLO. */
    LmtpClient session() throws IOException {
        LmtpClient c = connect();
        var greeting = c.readReply();
        if (greeting.code() != 220) throw new IOException("no greeting: " + greeting.text());
        if (c.command("LHLO test.invalid").code() != 250) throw new IOException("LHLO refused");
        return c;
    }

    /** Files (any name) in a mailbox's subdirectory, sorted. */
    List<Path> files(String mailbox, String sub) throws IOException {
        Path dir = root.resolve(mailbox).resolve(sub);
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** {@link #files} for lambdas: an I/O error counts as empty. */
    List<Path> files0(String mailbox, String sub) {
        try {
            return files(mailbox, sub);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Every {@code .txr-} shadow anywhere in the spool. */
    List<Path> shadows() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".txr-")).toList();
        }
    }

    static void await(BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("not within " + limit + ": " + what);
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        server.close();
        agent.close();
    }
}
