package io.txring.mailspool.lmtp;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link LmtpServer} runs.
 *
 * @param listen         where to listen; a loopback address unless {@code allowRemote}
 * @param allowRemote    whether a non-loopback listen address is accepted
 * @param hostname       the name in the greeting and LHLO reply
 * @param maxMessageSize bytes of content (as stored) a message may have; advertised with SIZE
 * @param maxSessions    concurrent sessions; more are greeted with 421 4.3.2 and closed
 * @param maxRecipients  RCPTs per message; more get 452 4.5.3
 * @param idleTimeout    a client silent this long (outside a delivery) gets 421 4.4.2 and is closed
 * @param maxLineLength  bytes of a command line without its line ending; longer get 500 5.5.2
 * @param queuedBytes    content waiting for the disk per session before the socket stops being read
 * @param maxSessionsPerAddress concurrent sessions from one client address; more are greeted with 421 4.7.0 and closed
 * @param maxErrors      error replies a session may earn; the next one is followed by 421 4.7.0 and the close
 * @param maxDataTime    time from DATA's 354 to the final {@code .}; longer gets 421 4.4.2, the message is dropped
 * @param eventLoops     threads doing the network ({@link #defaultEventLoops()}); the disk work runs on virtual threads
 */
public record LmtpServerConfig(InetSocketAddress listen, boolean allowRemote, String hostname, long maxMessageSize,
                               int maxSessions, int maxRecipients, Duration idleTimeout, int maxLineLength,
                               int queuedBytes, int maxSessionsPerAddress, int maxErrors, Duration maxDataTime, int eventLoops) {
    public LmtpServerConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(maxDataTime, "maxDataTime");
        if (maxMessageSize < 1) throw new IllegalArgumentException("maxMessageSize must be ≥ 1: " + maxMessageSize);
        if (maxSessions < 1) throw new IllegalArgumentException("maxSessions must be ≥ 1: " + maxSessions);
        if (maxRecipients < 1) throw new IllegalArgumentException("maxRecipients must be ≥ 1: " + maxRecipients);
        if (idleTimeout.isNegative() || idleTimeout.isZero()) throw new IllegalArgumentException("idleTimeout must be > 0: " + idleTimeout);
        if (maxLineLength < 512) throw new IllegalArgumentException("maxLineLength must be ≥ 512 (RFC 5321): " + maxLineLength);
        if (maxSessionsPerAddress < 1) throw new IllegalArgumentException("maxSessionsPerAddress must be ≥ 1: " + maxSessionsPerAddress);
        if (maxErrors < 1) throw new IllegalArgumentException("maxErrors must be ≥ 1: " + maxErrors);
        if (maxDataTime.isNegative() || maxDataTime.isZero()) throw new IllegalArgumentException("maxDataTime must be > 0: " + maxDataTime);
        if (eventLoops < 1) throw new IllegalArgumentException("eventLoops must be ≥ 1: " + eventLoops);
        if (queuedBytes < LmtpFraming.CHUNK) throw new IllegalArgumentException("queuedBytes must be ≥ " + LmtpFraming.CHUNK);
        if (!allowRemote && !listen.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("refusing to listen on " + listen.getAddress().getHostAddress()
                    + ": not a loopback address (allow it explicitly to expose the spool)");
        }
    }

    /**
     * 127.0.0.1 on {@code port} (0: any free port), 50 MiB messages, 100 sessions (20 per client address),
     * 5 minutes idle, 20 errors per session, 10 minutes of DATA per message.
     */
    public static LmtpServerConfig loopback(int port) {
        return new LmtpServerConfig(new InetSocketAddress("127.0.0.1", port), false,
                io.txring.mailspool.MaildirName.localHost(), 50L << 20, 100, 100, Duration.ofMinutes(5), 2048, 1 << 20,
                20, 20, Duration.ofMinutes(10), defaultEventLoops());
    }

    /**
     * One event loop per four CPUs, at least one. LMTP is a few small round trips per message:
     * one loop keeps thousands of sessions busy, and each extra one mostly adds sleeps and
     * wake-ups. Measured on 2 vCPUs, 10 sessions × 3 recipients: one loop 560–573 µs of server
     * CPU per message, Netty's default of four 710–723 µs (docs/BENCHMARKS.md, issue 14 step 5).
     */
    public static int defaultEventLoops() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 4);
    }

    public LmtpServerConfig withMaxMessageSize(long n) {
        return new LmtpServerConfig(listen, allowRemote, hostname, n, maxSessions, maxRecipients, idleTimeout, maxLineLength, queuedBytes,
                maxSessionsPerAddress, maxErrors, maxDataTime, eventLoops);
    }

    public LmtpServerConfig withMaxSessions(int n) {
        return new LmtpServerConfig(listen, allowRemote, hostname, maxMessageSize, n, maxRecipients, idleTimeout, maxLineLength, queuedBytes,
                maxSessionsPerAddress, maxErrors, maxDataTime, eventLoops);
    }

    public LmtpServerConfig withIdleTimeout(Duration d) {
        return new LmtpServerConfig(listen, allowRemote, hostname, maxMessageSize, maxSessions, maxRecipients, d, maxLineLength, queuedBytes,
                maxSessionsPerAddress, maxErrors, maxDataTime, eventLoops);
    }

    public LmtpServerConfig withListen(InetSocketAddress a, boolean allowRemoteAddress) {
        return new LmtpServerConfig(a, allowRemoteAddress, hostname, maxMessageSize, maxSessions, maxRecipients, idleTimeout, maxLineLength, queuedBytes,
                maxSessionsPerAddress, maxErrors, maxDataTime, eventLoops);
    }

    public LmtpServerConfig withMaxSessionsPerAddress(int n) {
        return new LmtpServerConfig(listen, allowRemote, hostname, maxMessageSize, maxSessions, maxRecipients, idleTimeout, maxLineLength, queuedBytes,
                n, maxErrors, maxDataTime, eventLoops);
    }

    public LmtpServerConfig withMaxErrors(int n) {
        return new LmtpServerConfig(listen, allowRemote, hostname, maxMessageSize, maxSessions, maxRecipients, idleTimeout, maxLineLength, queuedBytes,
                maxSessionsPerAddress, n, maxDataTime, eventLoops);
    }

    public LmtpServerConfig withMaxDataTime(Duration d) {
        return new LmtpServerConfig(listen, allowRemote, hostname, maxMessageSize, maxSessions, maxRecipients, idleTimeout, maxLineLength, queuedBytes,
                maxSessionsPerAddress, maxErrors, d, eventLoops);
    }

    public LmtpServerConfig withEventLoops(int n) {
        return new LmtpServerConfig(listen, allowRemote, hostname, maxMessageSize, maxSessions, maxRecipients, idleTimeout, maxLineLength, queuedBytes,
                maxSessionsPerAddress, maxErrors, maxDataTime, n);
    }
}
