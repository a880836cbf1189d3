package io.txring.mailspool.bench;

import io.txring.mailspool.MailSpool;
import io.txring.mailspool.StoreOptions;
import io.txring.mailspool.SysExits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code mailspool bench}: an LMTP server and its clients in one process, over loopback. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Starts an LMTP server on 127.0.0.1 (a free port) and drives it with concurrent sessions; prints throughput and latency.")
public final class BenchCommand implements Callable<Integer> {
    @ParentCommand MailSpool parent;

    @Option(names = "--root", required = true, paramLabel = "DIR", description = "the spool to deliver into")
    Path root;

    @Option(names = "--messages", defaultValue = "2000", description = "messages in all (default ${DEFAULT-VALUE})")
    int messages;

    @Option(names = "--recipients", defaultValue = "3", description = "recipients per message (default ${DEFAULT-VALUE})")
    int recipients;

    @Option(names = "--sessions", defaultValue = "10", description = "concurrent LMTP sessions (default ${DEFAULT-VALUE})")
    int sessions;

    @Option(names = "--size", defaultValue = "4096", paramLabel = "BYTES", description = "bytes per message as stored (default ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--json", paramLabel = "FILE", description = "where to write the result (default <root>/bench.json)")
    Path json;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Mixin StoreOptions store;

    @Override
    public Integer call() throws InterruptedException {
        Bench.Settings settings;
        try {
            settings = new Bench.Settings(root, messages, recipients, sessions, (int) io.txring.mailspool.Units.bytes(size), !noProgress, store.storeConfig());
        } catch (IllegalArgumentException e) {
            parent.err().println("mailspool bench: " + e.getMessage());
            return SysExits.USAGE;
        }
        try {
            BenchResult r = Bench.run(settings, parent.out());
            Bench.print(r, parent.out());
            Path file = json != null ? json : root.resolve("bench.json");
            Bench.writeJson(r, file);
            parent.out().println("  result: " + file);
            return r.failures() == 0 ? SysExits.OK : SysExits.TEMPFAIL;
        } catch (IOException e) {
            parent.err().println("mailspool bench: " + e.getMessage());
            return SysExits.IOERR;
        }
    }
}
