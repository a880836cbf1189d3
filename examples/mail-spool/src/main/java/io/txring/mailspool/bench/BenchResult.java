package io.txring.mailspool.bench;

/**
 * What one {@code mailspool bench} run measured; written as JSON.
 *
 * @param messages            messages sent
 * @param recipients          recipients per message
 * @param sessions            concurrent LMTP sessions
 * @param sizeBytes           each message's size as stored (LF line endings)
 * @param seconds             wall time of the sending phase
 * @param messagesPerSecond   messages committed per second
 * @param deliveriesPerSecond mailbox deliveries (messages × recipients) per second
 * @param latencyP50Ms        median time from MAIL to the last per-recipient reply
 * @param latencyP99Ms        99th percentile of the same
 * @param latencyMaxMs        the slowest message
 * @param ringEnters          io_uring_enter calls during the run (0 on the blocking backend)
 * @param trapsPerMessage     ringEnters / messages
 * @param opsPerMessage       ring ops submitted per message
 * @param failures            messages not acknowledged with 250 for every recipient
 * @param verifiedFiles       files found in the recipients' new/ afterwards
 * @param backend             the ring's backend
 * @param ring                the ring's description (mode, flags)
 * @param durability          DURABLE or CONSISTENT
 * @param root                the spool
 */
public record BenchResult(int messages, int recipients, int sessions, int sizeBytes, double seconds,
                          double messagesPerSecond, double deliveriesPerSecond, double latencyP50Ms, double latencyP99Ms,
                          double latencyMaxMs, long ringEnters, double trapsPerMessage, double opsPerMessage, int failures,
                          long verifiedFiles, String backend, String ring, String durability, String root) {}
