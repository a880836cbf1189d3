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
    static Report run(Store store, Journal journal, ShadowDirectories shadowDirs) throws IOException {
        TxnEvents.Recovery ev = TxnEvents.recoveries() ? new TxnEvents.Recovery() : null;
        if (ev != null) ev.begin();
        Report report = replayAndSweep(store, journal, shadowDirs);
        if (ev != null) {
            ev.root = store.root().toString();
            ev.replayed = report.recordsReplayed();
            ev.discarded = report.recordsDiscarded();
            ev.quarantined = report.recordsQuarantined();
            ev.shadowsRemoved = report.shadowsRemoved();
            ev.commit();
        }
        return report;
    }

    private static Report replayAndSweep(Store store, Journal journal, ShadowDirectories shadowDirs) throws IOException {
        Journal.Report r = journal.replayAll();
        int swept = shadowDirs.existed() ? shadowDirs.sweep() : walkOnce(store);
        return new Report(r.replayed(), r.discarded(), r.quarantined(), swept);
    }

    /**
     * A store made before {@code .txring/shadow-dirs} existed: one walk of the whole tree, the
     * old way (never following symlinks; files that vanish meanwhile are skipped). From then on
     * the sweep lists only the directories in that file.
     */
    private static int walkOnce(Store store) {
        List<Path> shadows = new ArrayList<>();
        try (Stream<Path> s = Files.walk(store.root)) {
            s.filter(p -> !p.startsWith(store.root.resolve(StorePath.META_DIR)))
                    .filter(p -> p.getFileName().toString().startsWith(StorePath.SHADOW_PREFIX))
                    .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(shadows::add);
        } catch (IOException | java.io.UncheckedIOException e) {
            System.getLogger(Recovery.class.getName()).log(System.Logger.Level.WARNING, "txring: walking {0} for shadows: {1}", store.root, e.toString());
        }
        int removed = 0;
        for (Path p : shadows) {
            try {
                if (Files.deleteIfExists(p)) removed++;
            } catch (IOException e) {
                // moved or unreadable meanwhile: not ours to insist on
            }
        }
        return removed;
    }
}
