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
        return builder().listen(new InetSocketAddress("127.0.0.1", port), false).build();
    }

    /** A builder with {@link #loopback}'s settings on port 0. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every setting of this config, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.listen = listen;
        b.allowRemote = allowRemote;
        b.hostname = hostname;
        b.maxMessageSize = maxMessageSize;
        b.maxSessions = maxSessions;
        b.maxRecipients = maxRecipients;
        b.idleTimeout = idleTimeout;
        b.maxLineLength = maxLineLength;
        b.queuedBytes = queuedBytes;
        b.maxSessionsPerAddress = maxSessionsPerAddress;
        b.maxErrors = maxErrors;
        b.maxDataTime = maxDataTime;
        b.eventLoops = eventLoops;
        return b;
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

    public LmtpServerConfig withMaxMessageSize(long n) { return toBuilder().maxMessageSize(n).build(); }

    public LmtpServerConfig withMaxSessions(int n) { return toBuilder().maxSessions(n).build(); }

    public LmtpServerConfig withIdleTimeout(Duration d) { return toBuilder().idleTimeout(d).build(); }

    public LmtpServerConfig withListen(InetSocketAddress a, boolean allowRemoteAddress) { return toBuilder().listen(a, allowRemoteAddress).build(); }

    public LmtpServerConfig withMaxSessionsPerAddress(int n) { return toBuilder().maxSessionsPerAddress(n).build(); }

    public LmtpServerConfig withMaxErrors(int n) { return toBuilder().maxErrors(n).build(); }

    public LmtpServerConfig withMaxDataTime(Duration d) { return toBuilder().maxDataTime(d).build(); }

    public LmtpServerConfig withEventLoops(int n) { return toBuilder().eventLoops(n).build(); }

    /** Builds an {@link LmtpServerConfig}; each setting starts at {@link #loopback}'s (port 0). */
    public static final class Builder {
        private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
        private boolean allowRemote;
        private String hostname = io.txring.mailspool.MaildirName.localHost();
        private long maxMessageSize = 50L << 20;
        private int maxSessions = 100;
        private int maxRecipients = 100;
        private Duration idleTimeout = Duration.ofMinutes(5);
        private int maxLineLength = 2048;
        private int queuedBytes = 1 << 20;
        private int maxSessionsPerAddress = 20;
        private int maxErrors = 20;
        private Duration maxDataTime = Duration.ofMinutes(10);
        private int eventLoops = defaultEventLoops();

        private Builder() {}

        /** Where to listen; a non-loopback address is refused unless {@code allowRemoteAddress}. */
        public Builder listen(InetSocketAddress a, boolean allowRemoteAddress) { listen = a; allowRemote = allowRemoteAddress; return this; }
        public Builder hostname(String h) { hostname = h; return this; }
        public Builder maxMessageSize(long n) { maxMessageSize = n; return this; }
        public Builder maxSessions(int n) { maxSessions = n; return this; }
        public Builder maxRecipients(int n) { maxRecipients = n; return this; }
        public Builder idleTimeout(Duration d) { idleTimeout = d; return this; }
        public Builder maxLineLength(int n) { maxLineLength = n; return this; }
        public Builder queuedBytes(int n) { queuedBytes = n; return this; }
        public Builder maxSessionsPerAddress(int n) { maxSessionsPerAddress = n; return this; }
        public Builder maxErrors(int n) { maxErrors = n; return this; }
        public Builder maxDataTime(Duration d) { maxDataTime = d; return this; }
        public Builder eventLoops(int n) { eventLoops = n; return this; }

        /** Checks the settings (the record's constructor) and builds. */
        public LmtpServerConfig build() {
            return new LmtpServerConfig(listen, allowRemote, hostname, maxMessageSize, maxSessions, maxRecipients, idleTimeout,
                    maxLineLength, queuedBytes, maxSessionsPerAddress, maxErrors, maxDataTime, eventLoops);
        }
    }
}
