package io.txring.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HealthCheck;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * A Postfix MTA in a container of the {@link MtaImage}, as the Postfix tests run it: its own
 * network namespace (mode none) that the spool containers join, so LMTP goes over that
 * namespace's loopback; mail for {@value #DOMAIN} goes to the transport a test configures;
 * the log goes to the container's stdout; retries come within seconds instead of minutes.
 * Test messages carry their id in a header and a body the Python reader can check.
 */
final class Postfix {
    static final String DOMAIN = "example.test";
    static final String SENDER = "sender@mta.test";
    /** Body lines per test message; each reads {@code line of <id>}. */
    static final int BODY_LINES = 40;
    /** Where the queue lives: a volume here outlives the container (a restart with another mount keeps the mail). */
    static final String QUEUE_DIR = "/var/spool/postfix";

    /** Settings every test shares: no DNS, nothing but loopback, a log on stdout, fast retries. */
    private static final List<String> COMMON = List.of(
            "myhostname=mta.test", "mydomain=test", "myorigin=mta.test", "mydestination=",
            "inet_interfaces=loopback-only", "inet_protocols=ipv4", "smtp_dns_support_level=disabled", "lmtp_dns_support_level=disabled",
            "virtual_mailbox_domains=" + DOMAIN, "maillog_file=/dev/stdout", "compatibility_level=3.6",
            // A deferred message is retried after 2-4 s (defaults: 300 s to 4000 s). The backoff stays above the
            // scan interval: a scan that meets a message still in delivery skips it for a minute.
            "queue_run_delay=1s", "minimal_backoff_time=2s", "maximal_backoff_time=4s",
            "lmtp_connect_timeout=5s");

    private Postfix() {}

    /** The LMTP transport to a spool listening on {@code port} in the MTA's namespace. */
    static String lmtp(int port) {
        return "lmtp:inet:127.0.0.1:" + port;
    }

    /**
     * An unstarted Postfix container with {@code settings} ({@code postconf -e} lines, after
     * the common ones), {@code services} ({@code postconf -M} entries) and {@code binds}.
     */
    static GenericContainer<?> container(MtaImage image, List<String> settings, List<String> services, Map<String, String> files, Bind... binds) {
        StringBuilder script = new StringBuilder("#!/bin/sh\nset -e\n");
        for (Map.Entry<String, String> f : files.entrySet()) {
            script.append("printf '%s' ").append(quote(f.getValue())).append(" > ").append(f.getKey()).append('\n');
        }
        script.append("postconf -e");
        for (String s : COMMON) script.append(' ').append(quote(s));
        for (String s : settings) script.append(' ').append(quote(s));
        // No chroot: Debian's default would need copies of /etc files in the queue directory.
        script.append("\npostconf -F '*/*/chroot = n'\n");
        // The postlog service carries maillog_file's lines (Postfix's container logging).
        script.append("postconf -M 'postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd'\n");
        for (String s : services) script.append("postconf -M ").append(quote(s)).append('\n');
        script.append("exec postfix start-fg\n");
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image.name()));
        return c.withImagePullPolicy(name -> false)
                .withNetworkMode("none")
                .withCopyToContainer(Transferable.of(script.toString(), 0755), "/usr/local/sbin/start-postfix")
                // The image's health check probes LMTP: meaningless for the MTA itself.
                .withCreateContainerCmdModifier(cmd -> cmd.withUser("root").withHostName("mta.test")
                        .withHealthcheck(new HealthCheck().withTest(List.of("NONE"))).getHostConfig().withBinds(binds))
                .withCommand("/usr/local/sbin/start-postfix")
                .waitingFor(Wait.forLogMessage(".*postfix/master\\[\\d+\\]: daemon started.*\\s", 1).withStartupTimeout(Duration.ofMinutes(1)));
    }

    /** The LMTP server on the spool, listening on {@code port} of the container's loopback. */
    static String lmtpCommand(int port) {
        return SpoolContainers.lmtpCommand("127.0.0.1:" + port);
    }

    /** A mail-spool LMTP server on the volume, listening on {@code port} in {@code mta}'s network namespace. */
    static GenericContainer<?> spool(MtaImage image, GenericContainer<?> mta, int port, DockerVolume volume) {
        return SpoolContainers.withVolume(SpoolContainers.lmtp(image.image(), lmtpCommand(port)), volume, false)
                .withNetworkMode("container:" + mta.getContainerId())
                // The image's health check probes port 2424 of the shared namespace: another node's, maybe.
                .withCreateContainerCmdModifier(cmd -> cmd.withHealthcheck(new HealthCheck().withTest(List.of("NONE"))));
    }

    /** A test message: its id and its recipients' local parts. */
    record Mail(String id, List<String> to) {}

    /** {@code n} messages with ids {@code prefix0…}, each to 1 to {@code maxRecipients} distinct users, chosen by {@code random}. */
    static List<Mail> mails(String prefix, int n, List<String> users, int maxRecipients, java.util.Random random) {
        List<Mail> mails = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> shuffled = new ArrayList<>(users);
            java.util.Collections.shuffle(shuffled, random);
            mails.add(new Mail(prefix + i, List.copyOf(shuffled.subList(0, 1 + random.nextInt(Math.min(maxRecipients, users.size()))))));
        }
        return mails;
    }

    /** Recipient to the ids of the messages addressed to them, for the recipients {@code owns} accepts. */
    static Map<String, List<String>> expected(List<Mail> mails, java.util.function.Predicate<String> owns) {
        Map<String, List<String>> expected = new HashMap<>();
        for (Mail m : mails) for (String r : m.to()) if (owns.test(r)) expected.computeIfAbsent(r, k -> new ArrayList<>()).add(m.id());
        expected.values().forEach(java.util.Collections::sort);
        return expected;
    }

    /** Asserts the spool holds exactly these messages: each once, in each of its recipients' mailboxes, nothing else. */
    static void assertExactly(Map<String, List<String>> expected, Map<String, List<String>> read) {
        Map<String, List<String>> sorted = new HashMap<>();
        read.forEach((user, ids) -> sorted.put(user, ids.stream().sorted().toList()));
        assertEquals(expected, sorted, "Python's mailbox module read other messages than were sent");
    }

    /** The shell command that hands {@code mail} to Postfix's {@code sendmail}. */
    private static String sendmail(Mail mail) {
        List<String> addresses = mail.to().stream().map(r -> r + "@" + DOMAIN).toList();
        return "{ printf 'From: " + SENDER + "\\nTo: " + String.join(", ", addresses) + "\\nMessage-ID: <" + mail.id() + "@txring.test>\\nX-Txring-Test: "
                + mail.id() + "\\nSubject: txring test " + mail.id() + "\\n\\n'; yes 'line of " + mail.id() + "' | head -n " + BODY_LINES
                + "; } | sendmail -i -f " + SENDER + " " + String.join(" ", addresses);
    }

    /** Injects the messages through {@code sendmail} and waits until Postfix has taken them all. */
    static void inject(GenericContainer<?> mta, List<Mail> mails) throws IOException, InterruptedException {
        Container.ExecResult r = mta.execInContainer("sh", injectionScript(mta, mails));
        assertEquals(0, r.getExitCode(), "sendmail failed: " + r.getStdout() + r.getStderr());
    }

    /** Writes the sendmail commands to a file in the container (too long for one exec argument) and returns its path. */
    private static String injectionScript(GenericContainer<?> mta, List<Mail> mails) {
        StringBuilder script = new StringBuilder("set -e\n");
        for (Mail m : mails) script.append(sendmail(m)).append('\n');
        String path = "/tmp/inject-" + mails.getFirst().id() + ".sh";
        mta.copyFileToContainer(Transferable.of(script.toString()), path);
        return path;
    }

    /** Polls until the queue is empty; fails with the queue and the log's end if it is not within {@code timeout}. */
    static void awaitEmptyQueue(GenericContainer<?> mta, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String queue;
        do {
            queue = queue(mta);
            if (queue.contains("Mail queue is empty")) return;
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        String log = mta.getLogs();
        throw new AssertionError("Postfix's queue is not empty after " + timeout + ":\n" + queue + "\nlog end:\n"
                + log.substring(Math.max(0, log.length() - 4000)));
    }

    static String queue(GenericContainer<?> mta) throws IOException, InterruptedException {
        return mta.execInContainer("postqueue", "-p").getStdout();
    }

    /** One delivery attempt for one recipient, from the log: {@code status} is sent, deferred or bounced. */
    record Attempt(String queueId, String mailId, String recipient, String relay, String status, String reason) {}

    private static final Pattern MESSAGE_ID = Pattern.compile("postfix/cleanup\\[\\d+\\]: ([0-9A-F]+): message-id=<([^@>]+)@txring\\.test>");
    private static final Pattern ATTEMPT = Pattern.compile(
            "postfix/\\w+\\[\\d+\\]: ([0-9A-F]+): to=<([^@>]+)@[^>]*>, .*?relay=([^,]+), .*?status=(\\w+)(?: \\((.*)\\)|, (.*))$");

    /** Every delivery attempt in the MTA's log, each tied to its test message by the Message-ID. */
    static List<Attempt> attempts(GenericContainer<?> mta) {
        return attempts(mta.getLogs());
    }

    /** The attempts in a Postfix log (the logs of several containers on one queue, in order). */
    static List<Attempt> attempts(String log) {
        Map<String, String> mailIds = new HashMap<>();
        List<Attempt> attempts = new ArrayList<>();
        for (String line : log.lines().toList()) {
            Matcher m = MESSAGE_ID.matcher(line);
            if (m.find()) mailIds.put(m.group(1), m.group(2));
            Matcher a = ATTEMPT.matcher(line);
            if (a.find()) {
                String reason = a.group(5) != null ? a.group(5) : a.group(6); // "status=expired, returned to sender" has no parentheses
                attempts.add(new Attempt(a.group(1), mailIds.get(a.group(1)), a.group(2), a.group(3), a.group(4), reason));
            }
        }
        return attempts;
    }

    /**
     * Asserts that the log shows {@code status=sent} for every recipient of every message, and
     * that nothing bounced or expired. Polls a while first: the log reaches Docker through
     * postlogd, after the queue file is gone.
     */
    static void assertAllSent(GenericContainer<?> mta, List<Mail> mails) throws InterruptedException {
        assertAllSent(mta::getLogs, mails);
    }

    static void assertAllSent(java.util.function.Supplier<String> log, List<Mail> mails) throws InterruptedException {
        List<Attempt> attempts = awaitAttempts(log, Duration.ofSeconds(30), "status=sent for every recipient",
                now -> everyRecipient(mails, now, "sent"));
        for (Attempt a : attempts) {
            assertTrue(a.status().equals("sent") || a.status().equals("deferred"), "Postfix gave up on a message: " + a);
        }
    }

    /** Whether the log shows an attempt with {@code status} for every recipient of every message. */
    static boolean everyRecipient(List<Mail> mails, List<Attempt> attempts, String status) {
        return mails.stream().allMatch(m -> m.to().stream().allMatch(r -> attempts.stream().anyMatch(a ->
                m.id().equals(a.mailId()) && r.equals(a.recipient()) && a.status().equals(status))));
    }

    /** Polls the log until {@code done} holds for its attempts, or fails after {@code timeout} with {@code what}. */
    static List<Attempt> awaitAttempts(GenericContainer<?> mta, Duration timeout, String what,
                                       java.util.function.Predicate<List<Attempt>> done) throws InterruptedException {
        return awaitAttempts(mta::getLogs, timeout, what, done);
    }

    static List<Attempt> awaitAttempts(java.util.function.Supplier<String> log, Duration timeout, String what,
                                       java.util.function.Predicate<List<Attempt>> done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = log.get();
            List<Attempt> attempts = attempts(text);
            if (done.test(attempts)) return attempts;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("after " + timeout + ", still not " + what + "; log end:\n" + text.substring(Math.max(0, text.length() - 4000)));
            }
            Thread.sleep(200);
        }
    }

    /**
     * What Python's {@code mailbox} module reads in every Maildir under the spool, as
     * mailbox to test ids (one entry per copy); a message whose body is not the one sent
     * is a failure.
     */
    static Map<String, List<String>> readWithPython(GenericContainer<?> c) throws IOException, InterruptedException {
        Container.ExecResult r = c.execInContainer("python3", "-c", PYTHON_READER, SpoolContainers.SPOOL, Integer.toString(BODY_LINES));
        assertEquals(0, r.getExitCode(), "the Python reader failed:\n" + r.getStdout() + r.getStderr());
        Map<String, List<String>> read = new HashMap<>();
        for (String line : r.getStdout().lines().toList()) {
            String[] f = line.split("\t");
            assertEquals(3, f.length, "reader line: " + line);
            assertEquals("ok", f[2], "Python read a message whose body is not the one sent: " + line);
            read.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
        }
        return read;
    }

    /** An independent reader: Python's Maildir parser, not ours; the body must be exactly what sendmail got. */
    private static final String PYTHON_READER = """
            import mailbox, os, sys
            root, lines = sys.argv[1], int(sys.argv[2])
            for user in sorted(os.listdir(root)):
                path = os.path.join(root, user)
                if not all(os.path.isdir(os.path.join(path, d)) for d in ("new", "cur", "tmp")):
                    continue
                for key, msg in mailbox.Maildir(path, factory=None, create=False).iteritems():
                    tid = msg.get("X-Txring-Test", "-")
                    body = msg.get_payload()
                    print(user, tid, "ok" if body == ("line of %s\\n" % tid) * lines else "bad body %r" % body[:80], sep="\\t")
            """;

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
