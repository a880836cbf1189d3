package io.txring.mailspool.lmtp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.txring.mailspool.MailDrop;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An LMTP server (RFC 2033) delivering into a {@link MailDrop}'s spool. Netty NIO
 * event loops do the network; each message's file work runs on its own virtual thread
 * ({@link MessageIntake}), so an event loop never waits for a disk. A {@code 250} after
 * DATA is sent only once the message's transaction has committed.
 */
public final class LmtpServer implements AutoCloseable {
    private final LmtpServerConfig config;
    private final MailDrop agent;
    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup workers;
    private final ChannelGroup channels = new DefaultChannelGroup("lmtp", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger sessions = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final Set<MessageIntake> intakes = ConcurrentHashMap.newKeySet();
    private final Channel serverChannel;

    private LmtpServer(MailDrop agent, LmtpServerConfig config) throws IOException {
        this.agent = agent;
        this.config = config;
        this.workers = new MultiThreadIoEventLoopGroup(config.eventLoops(), NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 256)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // Replies queued beyond 64 KiB make the channel unwritable, and the handler stops reading until it drains.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(16 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast(new IdleStateHandler(config.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast(new LmtpHandler(LmtpServer.this, agent));
                    }
                });
        try {
            serverChannel = b.bind(config.listen()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            shutdownGroups();
            throw new IOException("lmtp: cannot listen on " + config.listen() + ": " + e.getMessage(), e);
        }
    }

    /** Binds and starts serving; {@link #close()} stops. */
    public static LmtpServer start(MailDrop agent, LmtpServerConfig config) throws IOException {
        quietLeakDetection();
        machineIdWithoutNetworkLookup();
        return new LmtpServer(agent, config);
    }

    /**
     * Netty's leak detector samples buffers and records their accesses: a cost on every
     * message that a server does not pay unless {@code -Dio.netty.leakDetection.level} asks
     * for it (the tests set it).
     */
    static void quietLeakDetection() {
        if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /**
     * Netty names channels with a machine id taken from a MAC address; in a container with
     * no network interface it warns at every start and falls back to random bytes. The id
     * only makes channel names unique, so random bytes are right: set them, without the warning.
     */
    static void machineIdWithoutNetworkLookup() {
        if (System.getProperty("io.netty.machineId") != null) return;
        byte[] id = new byte[8];
        new java.security.SecureRandom().nextBytes(id);
        id[0] |= 0x02; // locally administered, as a made-up MAC should be
        StringBuilder hex = new StringBuilder();
        for (byte b : id) hex.append(hex.isEmpty() ? "" : ":").append(String.format("%02x", b & 0xff));
        System.setProperty("io.netty.machineId", hex.toString());
    }

    public LmtpServerConfig config() { return config; }

    /** The bound address (the real port when configured with 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Sessions open now. */
    public int sessions() { return sessions.get(); }

    /** Messages whose content is still being written or committed (or aborted). */
    public int messagesInFlight() { return intakes.size(); }

    /** Why a new session from {@code from} is refused. */
    enum Refusal { NONE, TOO_MANY, TOO_MANY_FROM_ADDRESS }

    /** Counts the session in, or says why not (then nothing is counted and {@link #leave} must not be called). */
    Refusal admit(InetAddress from) {
        if (sessions.incrementAndGet() > config.maxSessions()) {
            sessions.decrementAndGet();
            return Refusal.TOO_MANY;
        }
        int[] n = new int[1];
        perAddress.merge(from, 1, (a, b) -> n[0] = a + b);
        if (n[0] > config.maxSessionsPerAddress()) {
            leave(from);
            return Refusal.TOO_MANY_FROM_ADDRESS;
        }
        return Refusal.NONE;
    }

    void leave(InetAddress from) {
        perAddress.computeIfPresent(from, (a, n) -> n == 1 ? null : n - 1); // no entry outlives its last session
        sessions.decrementAndGet();
    }

    void track(MessageIntake intake) {
        intakes.add(intake);
        intake.outcome().whenComplete((o, t) -> intakes.remove(intake));
    }

    /** Stops listening, closes every session (aborting messages mid-DATA) and waits for commits in progress. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        shutdownGroups();
        for (MessageIntake i : Set.copyOf(intakes)) {
            try {
                i.outcome().get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                System.getLogger(LmtpServer.class.getName()).log(System.Logger.Level.WARNING, "mailspool lmtp: a delivery is still running after 30 s at shutdown");
            } catch (Exception e) {
                // its outcome was reported to its client, if any
            }
        }
    }

    private void shutdownGroups() {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
