package io.txring.bench.workloads;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An LMTP server in a process of its own, for the mail-lmtp-* workloads: started, found
 * listening on 127.0.0.1, and stopped on {@link #close()} — or, if the bench's JVM exits
 * first, by a shutdown hook, so no server outlives the bench.
 */
final class LmtpServerProcess implements AutoCloseable {
    static final Path SMTP_SINK = Path.of("/usr/sbin/smtp-sink");
    private static final Pattern LISTENING = Pattern.compile("listening on (127\\.0\\.0\\.1):(\\d+)");
    private static final long START_TIMEOUT_MS = 60_000;
    /** The flags bin/mailspool gives its JVM: both Java servers get them. */
    private static final String NATIVE_ACCESS = "--enable-native-access=io.txring.uring,org.jline.nativ";

    private final String name;
    private final Process process;
    private final Path log;
    private final int port;
    private final Thread killer;

    private LmtpServerProcess(String name, Process process, Path log, int port, Thread killer) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
        this.killer = killer;
    }

    /** {@code mailspool lmtp} on a fresh spool under {@code dir}: txring's DeliveryAgent, durable (its default). */
    static LmtpServerProcess mailspool(Path dir) throws IOException, InterruptedException {
        return startJvm("mailspool-lmtp", dir, "io.txring.mailspool/io.txring.mailspool.MailSpool",
                "lmtp", "--root", dir.resolve("spool").toString(), "--listen", "127.0.0.1:0");
    }

    /** {@link NioLmtpServer} on a fresh spool under {@code dir}: the same LMTP front end, the blocking NIO writer behind it. */
    static LmtpServerProcess nioWriter(Path dir) throws IOException, InterruptedException {
        return startJvm("nio-lmtp", dir, "io.txring.bench/" + NioLmtpServer.class.getName(), "--root", dir.resolve("spool").toString());
    }

    /** Postfix's {@code smtp-sink -L}: takes LMTP and throws the messages away (as root it must drop to a user: nobody). */
    static LmtpServerProcess smtpSink(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // smtp-sink cannot pick a port and say which: take a free one and hand it over
        }
        List<String> cmd = new ArrayList<>(List.of(SMTP_SINK.toString(), "-L"));
        if (isRoot()) cmd.addAll(List.of("-u", "nobody"));
        cmd.addAll(List.of("127.0.0.1:" + port, "256"));
        LmtpServerProcess starting = start("smtp-sink", dir, cmd);
        try {
            starting.awaitGreeting(port);
            return new LmtpServerProcess(starting.name, starting.process, starting.log, port, starting.killer);
        } catch (IOException | InterruptedException | RuntimeException e) {
            starting.close();
            throw e;
        }
    }

    private static boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    /** A JVM on this bench's module path and JDK, with the mail-spool launcher's flags; its port from its "listening on" line. */
    private static LmtpServerProcess startJvm(String name, Path dir, String main, String... args) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath == null) throw new IOException(name + ": the bench is not running on a module path; start it with ./txring bench");
        String absolute = String.join(File.pathSeparator,
                Arrays.stream(modulePath.split(File.pathSeparator)).map(p -> Path.of(p).toAbsolutePath().toString()).toList());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), NATIVE_ACCESS,
                "-p", absolute, "-m", main));
        cmd.addAll(List.of(args));
        LmtpServerProcess starting = start(name, dir, cmd);
        try {
            int port = starting.awaitListening();
            return new LmtpServerProcess(name, starting.process, starting.log, port, starting.killer);
        } catch (IOException | InterruptedException | RuntimeException e) {
            starting.close();
            throw e;
        }
    }

    private static LmtpServerProcess start(String name, Path dir, List<String> cmd) throws IOException {
        Path log = dir.resolve(name + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Thread killer = new Thread(p::destroyForcibly, "kill-" + name); // the bench's JVM exiting early must not leave a server behind
        Runtime.getRuntime().addShutdownHook(killer);
        return new LmtpServerProcess(name, p, log, -1, killer);
    }

    private int awaitListening() throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) return Integer.parseInt(m.group(2));
            if (!process.isAlive()) throw new IOException(name + " exited with " + process.exitValue() + " before listening:\n" + logTail());
            Thread.sleep(50);
        }
        throw new IOException(name + " did not say it was listening within " + START_TIMEOUT_MS / 1000 + " s:\n" + logTail());
    }

    /** Connects until the server greets (220), then hangs up: it is listening. */
    private void awaitGreeting(int port) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        IOException last = null;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) throw new IOException(name + " exited with " + process.exitValue() + ":\n" + logTail());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                byte[] greeting = new byte[3];
                if (in.readNBytes(greeting, 0, 3) == 3 && new String(greeting, StandardCharsets.US_ASCII).equals("220")) return;
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new IOException(name + " did not greet on 127.0.0.1:" + port + " within " + START_TIMEOUT_MS / 1000 + " s"
                + (last == null ? "" : ": " + last.getMessage()) + "\n" + logTail());
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    String name() {
        return name;
    }

    /** The last lines of the server's output, for an error message. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM (the Java servers close their sessions and finish commits in progress), then SIGKILL after 15 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or will: the process is gone either way
        }
    }
}
