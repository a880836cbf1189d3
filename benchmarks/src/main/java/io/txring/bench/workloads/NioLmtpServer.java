package io.txring.bench.workloads;

import io.txring.mailspool.lmtp.LmtpServer;
import io.txring.mailspool.lmtp.LmtpServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The mail-lmtp-* workloads' NIO side, run as its own JVM like {@code mailspool lmtp}: the
 * mail-spool's {@link LmtpServer} with the same settings, in front of
 * {@link BlockingMaildirWriter} instead of txring's {@code DeliveryAgent}. Serves on
 * 127.0.0.1 until SIGTERM or SIGINT.
 */
@Command(name = "nio-lmtp-server", mixinStandardHelpOptions = true,
        description = "The mail-spool's LMTP server delivering through the blocking java.nio Maildir writer (bench only).")
public final class NioLmtpServer implements Callable<Integer> {
    @Option(names = "--root", required = true, paramLabel = "DIR", description = "the spool root (created if absent)")
    Path root;

    @Option(names = "--port", description = "port on 127.0.0.1 (default ${DEFAULT-VALUE}: any free one)")
    int port = 0;

    public static void main(String[] args) {
        System.exit(new CommandLine(new NioLmtpServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(root);
        LmtpServer server = LmtpServer.start(new BlockingMaildirWriter(root), LmtpServerConfig.loopback(port));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "nio-lmtp-shutdown"));
        // the same line shape as mailspool lmtp's: LmtpServerProcess reads the port from it
        System.out.println("nio lmtp: listening on " + server.address().getAddress().getHostAddress() + ":" + server.address().getPort()
                + " (spool " + root + ", BlockingMaildirWriter)");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
