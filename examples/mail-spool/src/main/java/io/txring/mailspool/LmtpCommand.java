package io.txring.mailspool;

import io.txring.mailspool.lmtp.LmtpServer;
import io.txring.mailspool.lmtp.LmtpServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code mailspool lmtp}: an LMTP server on a loopback address, until SIGTERM or SIGINT. */
@Command(name = "lmtp", mixinStandardHelpOptions = true,
        description = "Serves LMTP (RFC 2033): one reply per recipient after DATA, 250 only once the message is committed.")
final class LmtpCommand implements Callable<Integer> {
    @ParentCommand MailSpool parent;

    @Option(names = "--root", required = true, paramLabel = "DIR", description = "the spool root (created if absent)")
    Path root;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:2424",
            description = "address to listen on (default ${DEFAULT-VALUE}; port 0 picks a free one)")
    String listen;

    @Option(names = "--allow-remote", description = "accept a non-loopback --listen address (the server has no authentication)")
    boolean allowRemote;

    @Option(names = "--max-message-size", paramLabel = "BYTES", defaultValue = "50M", converter = ByteSize.class,
            description = "largest message accepted (default ${DEFAULT-VALUE}); advertised with SIZE")
    long maxMessageSize;

    @Option(names = "--max-sessions", defaultValue = "100", description = "concurrent sessions (default ${DEFAULT-VALUE})")
    int maxSessions;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "5m", description = "close idle clients after this (default ${DEFAULT-VALUE})")
    Duration idleTimeout;

    @Option(names = "--max-sessions-per-address", defaultValue = "20", description = "concurrent sessions from one client address (default ${DEFAULT-VALUE})")
    int maxSessionsPerAddress;

    @Option(names = "--max-errors", defaultValue = "20", description = "error replies before a session is closed with 421 (default ${DEFAULT-VALUE})")
    int maxErrors;

    @Option(names = "--max-data-time", paramLabel = "DURATION", defaultValue = "10m", description = "longest DATA per message before 421 (default ${DEFAULT-VALUE})")
    Duration maxDataTime;

    @Option(names = "--event-loops", paramLabel = "N", description = "network threads (default: one per four CPUs, at least one; here "
            + "${DEFAULT-VALUE})")
    int eventLoops = LmtpServerConfig.defaultEventLoops();

    @Mixin StoreOptions store;

    @Override
    public Integer call() {
        InetSocketAddress address;
        try {
            address = parseListen(listen);
        } catch (IllegalArgumentException | IOException e) {
            parent.err().println("mailspool lmtp: --listen " + listen + ": " + e.getMessage());
            return SysExits.USAGE;
        }
        LmtpServerConfig config;
        try {
            config = LmtpServerConfig.loopback(0).withListen(address, allowRemote).withMaxMessageSize(maxMessageSize)
                    .withMaxSessions(maxSessions).withIdleTimeout(idleTimeout).withMaxSessionsPerAddress(maxSessionsPerAddress)
                    .withMaxErrors(maxErrors).withMaxDataTime(maxDataTime).withEventLoops(eventLoops);
        } catch (IllegalArgumentException e) {
            parent.err().println("mailspool lmtp: " + e.getMessage());
            return SysExits.USAGE;
        }
        DeliveryAgent agent;
        try {
            agent = DeliveryAgent.open(root, store.storeConfig());
        } catch (IOException e) {
            parent.err().println("mailspool lmtp: opening spool " + root + ": " + e.getMessage());
            return SysExits.CANTCREAT;
        }
        LmtpServer server;
        try {
            server = LmtpServer.start(agent, config);
        } catch (IOException e) {
            agent.close();
            parent.err().println("mailspool lmtp: " + e.getMessage());
            return SysExits.UNAVAILABLE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close(); // stops accepting, waits for deliveries in flight (30 s at most)
            agent.close(); // settles the deferred finishes first: their batches count below
            var m = agent.store().metrics();
            parent.out().println("mailspool lmtp: stopped; deliveries in flight finished, store closed; " + m.commits() + " commits ("
                    + m.latencies().get(io.txring.txn.CommitStep.COMMIT) + "), " + m.conflicts() + " conflicts, " + m.failures() + " failures; " + m.flushes() + " flushes in " + m.flushSubmissions()
                    + " batches, " + m.dirSyncs() + " directory syncs by " + m.dirFsyncs() + " fsyncs");
            parent.out().flush();
            stopped.countDown();
        }, "mailspool-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        InetSocketAddress bound = server.address();
        parent.out().println("mailspool lmtp: listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort()
                + " (spool " + agent.store().root() + ", " + agent.store().describeRing() + ", " + store.durability + ")");
        parent.out().flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return SysExits.OK;
    }

    static InetSocketAddress parseListen(String s) throws IOException {
        int colon = s.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("expected HOST:PORT");
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = Integer.parseInt(s.substring(colon + 1));
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /** picocli converter for sizes like 50M. */
    static final class ByteSize implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return Units.bytes(value);
        }
    }
}
