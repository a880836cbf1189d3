package io.txring.bench.workloads;

import io.txring.bench.harness.Workload;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Every workload of {@code ./txring bench}, in the order they run. */
public final class Workloads {
    private Workloads() {}

    public static List<Workload> all() {
        List<Workload> w = new ArrayList<>();
        for (BurstWorkload.Kind k : BurstWorkload.Kind.values()) w.add(new BurstWorkload(k));
        w.add(new RandReadWorkload(false));
        w.add(new RandReadWorkload(true));
        w.add(DurableWorkload.replace());
        w.add(DurableWorkload.txn3());
        w.add(new MailWorkload(1));
        w.add(new MailWorkload(3));
        return w;
    }

    public static List<String> names() {
        return all().stream().map(Workload::name).toList();
    }

    /** By exact name or prefix ("burst" → every burst-*); empty selection → all. */
    public static List<Workload> select(List<String> selected) {
        if (selected.isEmpty()) return all();
        return all().stream().filter(w -> selected.stream().anyMatch(s -> w.name().equals(s) || w.name().startsWith(s + "-"))).toList();
    }

    /** For picocli's help text. */
    public static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names().iterator();
        }
    }
}
