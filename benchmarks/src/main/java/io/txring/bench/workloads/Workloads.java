package io.txring.bench.workloads;

import io.txring.bench.harness.Workload;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Every workload of {@code ./txring bench}, in the order they run. */
public final class Workloads {
    /** Messages per round of the mail-lmtp-* workloads unless {@code --lmtp-messages} says otherwise. */
    public static final int LMTP_MESSAGES = 2000;

    private Workloads() {}

    public static List<Workload> all(int lmtpMessages) {
        List<Workload> w = new ArrayList<>();
        for (BurstWorkload.Kind k : BurstWorkload.Kind.values()) w.add(new BurstWorkload(k));
        w.add(new RandReadWorkload(false));
        w.add(new RandReadWorkload(true));
        w.add(DurableWorkload.replace());
        w.add(DurableWorkload.txn3());
        w.add(new MailWorkload(1));
        w.add(new MailWorkload(3));
        w.add(new LmtpClientWorkload(1, 1, lmtpMessages));
        w.add(new LmtpClientWorkload(10, 3, lmtpMessages));
        return w;
    }

    public static List<String> names() {
        return all(LMTP_MESSAGES).stream().map(Workload::name).toList();
    }

    /** By exact name or prefix ("burst" → every burst-*, "mail-lmtp" → both client shapes); empty selection → all. */
    public static List<Workload> select(List<String> selected, int lmtpMessages) {
        if (selected.isEmpty()) return all(lmtpMessages);
        return all(lmtpMessages).stream()
                .filter(w -> selected.stream().anyMatch(s -> w.name().equals(s) || w.name().startsWith(s + "-"))).toList();
    }

    /** For picocli's help text. */
    public static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names().iterator();
        }
    }
}
