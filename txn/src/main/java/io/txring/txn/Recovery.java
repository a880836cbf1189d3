package io.txring.txn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Brings a store that nobody else has open to a committed state: rolls every complete commit
 * record forward ({@link Journal#rollForward}: idempotent and version-checked, so an
 * interrupted recovery simply runs again), discards torn records, then removes every shadow
 * file. While other handles have the store open, orphans are finished one by one instead
 * ({@link Journal#adopt}).
 */
final class Recovery {
    /** What one recovery did. */
    record Report(int recordsReplayed, int recordsDiscarded, int recordsQuarantined, int shadowsRemoved) {}

    private Recovery() {}

    /**
     * Run by a lone opener (no other handle has the store open, so nobody is writing): replays
     * every whole record (each step only while its target is the validated version), discards
     * torn ones, then removes every shadow left by transactions that never committed.
     */
    static Report run(Store store, Journal journal) throws IOException {
        Journal.Report r = journal.replayAll();
        return new Report(r.replayed(), r.discarded(), r.quarantined(), sweepShadows(store));
    }

    /** Removes {@code .txr-*} files everywhere under the root (never following symlinks). */
    private static int sweepShadows(Store store) throws IOException {
        List<Path> shadows = new ArrayList<>();
        try (Stream<Path> s = Files.walk(store.root)) {
            s.filter(p -> !p.startsWith(store.root.resolve(StorePath.META_DIR)))
                    .filter(p -> p.getFileName().toString().startsWith(StorePath.SHADOW_PREFIX))
                    .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(shadows::add);
        }
        for (Path p : shadows) Files.deleteIfExists(p);
        return shadows.size();
    }
}
