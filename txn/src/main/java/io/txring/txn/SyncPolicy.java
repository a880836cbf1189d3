package io.txring.txn;

import io.txring.core.Op;
import io.txring.uring.NativeException;
import java.io.IOException;
import java.util.Map;

/**
 * What the commit steps make durable: {@link Durability}'s behaviour, as the strategy the
 * steps call instead of testing a flag. {@link Durable} fsyncs everything a power cut could
 * otherwise lose; {@link Consistent} relies on the page cache, which outlives the process.
 */
abstract sealed class SyncPolicy permits SyncPolicy.Durable, SyncPolicy.Consistent {
    static SyncPolicy of(Durability d) {
        return d == Durability.DURABLE ? new Durable() : new Consistent();
    }

    /** Step 1: the op that makes a shadow's data durable, hard-linked to its close; null when nothing is synced. */
    abstract Op shadowData(int fd, String shownAs);

    /** Step 1: whether a commit that writes a record syncs its shadows' directories first (a record must name durable shadows). */
    abstract boolean syncsShadowNames();

    /** Step 4: after the record's write, the ops that make its content durable (the file stays open: it is reused). */
    abstract Op[] recordDone(int fd);

    /** Step 4: the directories to sync beside {@link #recordDone} (path → fd): the journal's, when the record's new name must survive. */
    abstract Map<String, Integer> recordDirs(int journalFd);

    /** Step 5: makes the touched directories' entries durable (each fsync shared with the concurrent commits of a flush batch). */
    abstract void syncDirs(GroupFlush flush, Map<String, Integer> dirs) throws IOException;

    /**
     * Step 5 for one change: runs it and makes its directory durable.
     *
     * @return the change's result
     * @throws Transaction.DurabilityUnknown published, but the directory could not be synced
     */
    abstract int changeThenSync(GroupSync sync, GroupFlush flush, String dir, int dirfd, Op change, io.txring.core.Ring ring) throws IOException;

    /** Step 6 and adoption: whether removing a record must be followed by a journal fsync before a later commit relies on it. */
    abstract boolean tracksRemovals();

    static final class Durable extends SyncPolicy {
        @Override Op shadowData(int fd, String shownAs) {
            return Op.fdatasync(fd).describing(shownAs).hardLink(); // the close after it runs whatever it returns
        }

        @Override boolean syncsShadowNames() {
            return true;
        }

        @Override Op[] recordDone(int fd) {
            return new Op[] {Op.fdatasync(fd)};
        }

        @Override Map<String, Integer> recordDirs(int journalFd) {
            return Map.of(Journal.DIR, journalFd); // the record's name is new: shared with concurrent records ({@link GroupFlush})
        }

        @Override void syncDirs(GroupFlush flush, Map<String, Integer> dirs) throws IOException {
            // Through the flush batches: one fsync per directory serves every commit in a batch, beside their data syncs.
            int[] r = flush.run(NO_OPS, dirs);
            int i = 0;
            for (String d : dirs.keySet()) {
                if (r[i] < 0) throw NativeException.of("fsync", d.isEmpty() ? "." : d, r[i]);
                i++;
            }
        }

        private static final Op[] NO_OPS = {};

        @Override int changeThenSync(GroupSync sync, GroupFlush flush, String dir, int dirfd, Op change, io.txring.core.Ring ring)
                throws IOException {
            try {
                if (!ring.routesToSyscall(change.opcode())) return sync.changeThenSync(dir, dirfd, change); // change and fsync linked: one round trip
                // The change runs on this thread; the directory's fsync joins the flusher's next batch, shared with every commit's syncs.
                int r = ring.callRaw(change);
                if (r >= 0) syncDirs(flush, Map.of(dir, dirfd));
                return r;
            } catch (IOException notDurable) {
                throw new Transaction.DurabilityUnknown(notDurable);
            }
        }

        @Override boolean tracksRemovals() {
            return true;
        }
    }

    static final class Consistent extends SyncPolicy {
        @Override Op shadowData(int fd, String shownAs) {
            return null;
        }

        @Override boolean syncsShadowNames() {
            return false;
        }

        @Override Op[] recordDone(int fd) {
            return new Op[0];
        }

        @Override Map<String, Integer> recordDirs(int journalFd) {
            return Map.of();
        }

        @Override void syncDirs(GroupFlush flush, Map<String, Integer> dirs) {
        }

        @Override int changeThenSync(GroupSync sync, GroupFlush flush, String dir, int dirfd, Op change, io.txring.core.Ring ring) {
            return ring.callRaw(change);
        }

        @Override boolean tracksRemovals() {
            return false;
        }
    }
}
