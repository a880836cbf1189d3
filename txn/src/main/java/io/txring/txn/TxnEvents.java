package io.txring.txn;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The transaction layer's JFR events ({@code jfr print --events 'io.txring.*'}), all on in a
 * default recording. Without a recording none is created: each site asks its type first.
 */
final class TxnEvents {
    private TxnEvents() {}

    /** One commit, with the time each step of the protocol (docs/COMMIT-PROTOCOL.md) took. */
    @Name("io.txring.Commit")
    @Label("Commit")
    @Category({"txring", "Transaction"})
    @Description("A transaction's commit and its steps: flush, lock, validate, record (the commit point), publish, finish")
    @StackTrace(false)
    static final class Commit extends Event {
        @Label("Transaction") String transaction;
        @Label("Paths") int paths;
        @Label("First path") String path;
        @Label("Kind") @Description("read-only, single (one rename, no record), record, early (record with its shadows), deferred (finish after return)")
        String kind;
        @Label("Outcome") @Description("committed, conflict, failed (nothing landed), unknown (after the commit point)") String outcome;
        @Label("Flush") @Timespan(Timespan.NANOSECONDS) long flush;
        @Label("Lock") @Timespan(Timespan.NANOSECONDS) long lock;
        @Label("Validate") @Timespan(Timespan.NANOSECONDS) long validate;
        @Label("Record") @Description("Writing and syncing the commit record (with the shadows for early records)")
        @Timespan(Timespan.NANOSECONDS) long record;
        @Label("Publish") @Timespan(Timespan.NANOSECONDS) long publish;
        @Label("Finish") @Timespan(Timespan.NANOSECONDS) long finish;

        /** Sets step {@code step}'s time ({@link CommitTimings#lap}). */
        void set(CommitStep step, long took) {
            switch (step) {
                case FLUSH -> flush = took;
                case LOCK -> lock = took;
                case VALIDATE -> validate = took;
                case RECORD -> record = took;
                case PUBLISH -> publish = took;
                case FINISH -> finish = took;
                case COMMIT -> { } // the event's own duration
            }
        }
    }

    /** A commit refused because what it read changed: the path and what changed. */
    @Name("io.txring.Conflict")
    @Label("Conflict")
    @Category({"txring", "Transaction"})
    @Description("A commit refused by validation: a path it read changed since")
    @StackTrace(false)
    static final class Conflict extends Event {
        @Label("Transaction") String transaction;
        @Label("Path") String path;
        @Label("What changed") String what;
        @Label("Changed paths") int changes;
    }

    /** One group-commit batch of the flusher (or of a lone committer on its own thread). */
    @Name("io.txring.FlushBatch")
    @Label("Flush batch")
    @Category({"txring", "Group commit"})
    @Description("Shadow and record syncs of concurrent commits and their directories' fsyncs, submitted as one batch")
    @StackTrace(false)
    static final class FlushBatch extends Event {
        @Label("Commits") int commits;
        @Label("Deferred finishes") int finishes;
        @Label("Ops") @Description("Syncs and closes the commits asked for") int ops;
        @Label("Directory fsyncs") @Description("One per directory, however many commits touched it") int directories;
        @Label("Lone") @Description("Run on the committing thread: it was the only commit") boolean lone;
    }

    /** One round of shared directory fsyncs (GroupSync). */
    @Name("io.txring.SyncBatch")
    @Label("Directory sync batch")
    @Category({"txring", "Group commit"})
    @Description("Directory fsyncs one committer ran for every change registered on those directories")
    @StackTrace(false)
    static final class SyncBatch extends Event {
        @Label("Directories") int directories;
        @Label("Changes covered") @Description("Changes registered on those directories that these fsyncs made durable") long changes;
    }

    /** Recovery as a store opened alone: records replayed or discarded, shadows removed. */
    @Name("io.txring.Recovery")
    @Label("Recovery")
    @Category({"txring", "Store"})
    @Description("A store's recovery as it opened with no other handle: interrupted commits completed, orphan shadows removed")
    @StackTrace(false)
    static final class Recovery extends Event {
        @Label("Root") String root;
        @Label("Records replayed") int replayed;
        @Label("Torn records discarded") int discarded;
        @Label("Records quarantined") int quarantined;
        @Label("Orphan shadows removed") int shadowsRemoved;
    }

    /**
     * Looked up only once a recorder runs: an event type's lookup (or a new event) initializes
     * JFR's metadata, half a second of a short-lived JVM's start ({@code mailspool deliver}).
     */
    private static final class Types {
        static final EventType COMMIT = EventType.getEventType(Commit.class), CONFLICT = EventType.getEventType(Conflict.class),
                FLUSH_BATCH = EventType.getEventType(FlushBatch.class), SYNC_BATCH = EventType.getEventType(SyncBatch.class),
                RECOVERY = EventType.getEventType(Recovery.class);
    }

    static boolean commits() { return recording() && Types.COMMIT.isEnabled(); }

    static boolean conflicts() { return recording() && Types.CONFLICT.isEnabled(); }

    static boolean flushBatches() { return recording() && Types.FLUSH_BATCH.isEnabled(); }

    static boolean syncBatches() { return recording() && Types.SYNC_BATCH.isEnabled(); }

    static boolean recoveries() { return recording() && Types.RECOVERY.isEnabled(); }

    private static boolean recording() {
        try {
            return jdk.jfr.FlightRecorder.isInitialized();
        } catch (LinkageError e) { // a JVM without JFR
            return false;
        }
    }
}
