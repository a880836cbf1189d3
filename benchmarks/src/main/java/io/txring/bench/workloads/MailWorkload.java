package io.txring.bench.workloads;

import io.txring.bench.harness.ProcessCpu;
import io.txring.bench.harness.RoundSample;
import io.txring.bench.harness.Variant;
import io.txring.bench.harness.VariantRun;
import io.txring.bench.harness.Workload;
import io.txring.mailspool.DeliveryAgent;
import io.txring.mailspool.MailDrop;
import io.txring.mailspool.bench.Bench;
import io.txring.mailspool.bench.BenchResult;
import io.txring.txn.Durability;
import io.txring.txn.StoreConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code mail-1rcpt} and {@code mail-3rcpt}: LMTP delivery of 4 KiB messages from
 * {@value #SESSIONS} sessions over loopback, into txring's {@link DeliveryAgent} or into
 * {@link BlockingMaildirWriter} behind the same LMTP server. An op is a message.
 */
public final class MailWorkload implements Workload {
    static final int SESSIONS = 10;
    static final int SIZE = 4096;
    static final int MESSAGES_PER_ROUND = 400;

    private final int recipients;

    public MailWorkload(int recipients) { this.recipients = recipients; }

    @Override
    public String name() { return "mail-" + recipients + "rcpt"; }

    @Override
    public String unit() { return "message (" + recipients + " recipient" + (recipients > 1 ? "s" : "") + ")"; }

    @Override
    public boolean durable() { return true; }

    @Override
    public List<Variant> variants(Path scratch) {
        List<Variant> v = new ArrayList<>();
        for (RingVariants.Config c : RingVariants.forStores(256)) {
            v.add(Variant.txring(c.name(), () -> {
                Path root = Files.createDirectories(scratch.resolve(c.name()));
                StoreConfig store = DeliveryAgent.storeConfig(Durability.DURABLE, c.ring()).withMetadataSyscalls(c.metadataSyscalls());
                DeliveryAgent agent = DeliveryAgent.open(root, store);
                return new Run(root, store, agent, agent.store(), agent::close);
            }));
        }
        v.add(Variant.nio("nio", () -> {
            Path root = Files.createDirectories(scratch.resolve("nio"));
            return new Run(root, StoreConfig.defaults(), new BlockingMaildirWriter(root), null, () -> {});
        }));
        MaildirFloor.addTo(v, name(), scratch, SESSIONS, recipients, MESSAGES_PER_ROUND);
        return v;
    }

    private final class Run implements VariantRun {
        private final Bench.Settings settings;
        private final MailDrop drop;
        /** The drop's store (null for NIO). */
        private final io.txring.txn.Store store;
        private final AutoCloseable closer;

        Run(Path root, StoreConfig config, MailDrop drop, io.txring.txn.Store store, AutoCloseable closer) {
            this.settings = new Bench.Settings(root, MESSAGES_PER_ROUND, recipients, SESSIONS, SIZE, false, config);
            this.drop = drop;
            this.store = store;
            this.closer = closer;
        }

        @Override
        public RoundSample round() throws IOException, InterruptedException {
            long cpu0 = ProcessCpu.nanos();
            java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream(); // the bench's error lines, for a failure
            BenchResult r = Bench.drive(settings, drop, store, new PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
            long cpu = ProcessCpu.nanos() - cpu0;
            if (r.failures() != 0) {
                throw new IOException(name() + ": " + r.failures() + " messages failed\n" + said.toString(java.nio.charset.StandardCharsets.UTF_8).strip());
            }
            return new RoundSample(r.messages(), (long) (r.seconds() * 1e9), r.ringEnters(), cpu);
        }

        @Override
        public void close() throws Exception {
            closer.close();
        }
    }
}
