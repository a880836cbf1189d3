package io.txring.txn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery replays commit records (idempotently) and removes what no record names. */
class RecoveryTest {
    @TempDir Path root;

    private List<Path> shadows() throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".txr-")).toList();
        }
    }

    /** The state a crash right after the commit point leaves: record durable, nothing published. */
    private void crashAfterCommitPoint(String txid) throws Exception {
        Files.createDirectories(root.resolve(".txring/journal"));
        Files.createDirectories(root.resolve("m"));
        Files.writeString(root.resolve("a"), "old-a");
        Files.writeString(root.resolve("gone"), "old");
        Files.writeString(root.resolve(".txr-" + txid + "-0"), "new-a");
        Files.writeString(root.resolve("m/.txr-" + txid + "-1"), "created");
        CommitRecord rec = new CommitRecord(List.of(
                new CommitRecord.Step(CommitRecord.Kind.REPLACE, "", "", ".txr-" + txid + "-0", "a", stampOf(root.resolve("a"))),
                new CommitRecord.Step(CommitRecord.Kind.CREATE, "m", "m", ".txr-" + txid + "-1", "b", VersionStamp.ABSENT),
                CommitRecord.Step.delete("", "gone", stampOf(root.resolve("gone")))));
        Files.write(root.resolve(".txring/journal/" + txid), rec.encode());
    }

    static VersionStamp stampOf(Path p) throws Exception {
        return CrashModel.stampOf(p);
    }

    /** A record file is reused: content found under a name it was not written as is a reused file's old content, torn. */
    @Test
    void aRecordUnderAnotherNameIsTornNotReplayed() throws Exception {
        crashAfterCommitPoint("t5");
        Path file = root.resolve(".txring/journal/t5");
        CommitRecord rec = CommitRecord.decode(Files.readAllBytes(file));
        Files.write(file, new CommitRecord("t1", rec.steps()).encode()); // what a reused file holds when only its rename survived
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().startsWith("0 commit records replayed, 1 torn records discarded"), s.recoverySummary());
        }
        assertEquals("old-a", Files.readString(root.resolve("a")));
        assertEquals("old", Files.readString(root.resolve("gone")));
        assertFalse(Files.exists(root.resolve("m/b")));
        assertEquals(List.of(), shadows());
        assertEquals(List.of(), Files.list(root.resolve(".txring/journal")).toList());
    }

    /** The same content under the name it names is a whole record: replayed. */
    @Test
    void aRecordUnderItsOwnNameIsReplayed() throws Exception {
        crashAfterCommitPoint("t6");
        Path file = root.resolve(".txring/journal/t6");
        Files.write(file, new CommitRecord("t6", CommitRecord.decode(Files.readAllBytes(file)).steps()).encode());
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().startsWith("1 commit records replayed"), s.recoverySummary());
        }
        assertEquals("new-a", Files.readString(root.resolve("a")));
        assertEquals("created", Files.readString(root.resolve("m/b")));
        assertFalse(Files.exists(root.resolve("gone")));
    }

    /**
     * A record too large for a block of the log is a file; removed, it is renamed aside as a
     * spare and its file reused: two such commits in a row write their records into the same
     * inode; a dead handle's spares (never records, even with a record's content) are removed by
     * the next lone open, replaying nothing.
     */
    @Test
    void recordFilesAreReusedAndADeadHandlesSparesRemoved() throws Exception {
        try (Store s = Store.open(root)) {
            long[] inodes = new long[2];
            for (int i = 0; i < 2; i++) {
                try (Transaction tx = s.begin()) {
                    for (int k = 0; k < 20; k++) tx.write(k + "-" + "p".repeat(200), ("x" + i).getBytes(UTF_8)); // > 4 KiB of record
                    tx.commit();
                }
                try (Stream<Path> j = Files.list(root.resolve(".txring/journal"))) {
                    List<Path> spares = j.toList();
                    assertEquals(1, spares.size(), "one spare: " + spares);
                    assertTrue(spares.getFirst().getFileName().toString().endsWith(Journal.SPARE_SUFFIX), spares.toString());
                    inodes[i] = (Long) Files.getAttribute(spares.getFirst(), "unix:ino");
                }
            }
            assertEquals(inodes[0], inodes[1], "the second record was written into the first one's file");
        }
        crashAfterCommitPoint("t7");
        Files.move(root.resolve(".txring/journal/t7"), root.resolve(".txring/journal/t7" + Journal.SPARE_SUFFIX));
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().startsWith("0 commit records replayed"), s.recoverySummary());
        }
        assertEquals(List.of(), Files.list(root.resolve(".txring/journal")).toList());
        assertEquals("old-a", Files.readString(root.resolve("a")), "a spare is never replayed");
    }

    /** {@link #crashAfterCommitPoint}'s record moved into block {@code block} of log {@code log}, with {@code id}; other blocks as given. */
    private byte[] recordInLog(String txid, String id, int block, int blocks) throws Exception {
        Path file = root.resolve(".txring/journal/" + txid);
        CommitRecord rec = CommitRecord.decode(Files.readAllBytes(file));
        Files.delete(file);
        byte[] log = new byte[blocks * RecordLog.BLOCK];
        byte[] r = new CommitRecord(id, rec.steps()).encode();
        System.arraycopy(r, 0, log, block * RecordLog.BLOCK, r.length);
        return log;
    }

    /**
     * A crash left a log with a whole record in one block, a torn one in another (its second
     * half lost) and an empty one: the lone open replays the whole record only, and unlinks the log.
     */
    @Test
    void aLogsWholeBlockIsReplayedItsTornBlockIsNot() throws Exception {
        crashAfterCommitPoint("t8");
        byte[] log = recordInLog("t8", "7-h-1", 2, 4);
        byte[] other = new CommitRecord("7-h-2", List.of(CommitRecord.Step.delete("", "a", stampOf(root.resolve("a"))))).encode();
        System.arraycopy(other, 0, log, 0, other.length / 2); // torn: a delete of "a" that never reached its commit point
        Files.write(root.resolve(".txring/journal/" + RecordLog.fileName(7)), log);
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().startsWith("1 commit records replayed, 1 torn records discarded"), s.recoverySummary());
        }
        assertEquals("new-a", Files.readString(root.resolve("a")));
        assertEquals("created", Files.readString(root.resolve("m/b")));
        assertFalse(Files.exists(root.resolve("gone")));
        assertEquals(List.of(), shadows());
        assertEquals(List.of(), Files.list(root.resolve(".txring/journal")).toList(), "the log is gone after the replay");
    }

    /** A whole record in a log that names another slot's transaction was not written there: torn, never replayed. */
    @Test
    void aRecordInAnotherSlotsLogIsNotReplayed() throws Exception {
        crashAfterCommitPoint("t9");
        Files.write(root.resolve(".txring/journal/" + RecordLog.fileName(7)), recordInLog("t9", "8-h-1", 0, 1));
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().startsWith("0 commit records replayed, 1 torn records discarded"), s.recoverySummary());
        }
        assertEquals("old-a", Files.readString(root.resolve("a")));
        assertEquals("old", Files.readString(root.resolve("gone")));
        assertEquals(List.of(), Files.list(root.resolve(".txring/journal")).toList());
    }

    /**
     * A record that fits a block goes into the handle's log: one file for every commit, the
     * removed record's block reused by the next, every block empty between commits, and the log
     * unlinked when the handle closes.
     */
    @Test
    void smallRecordsReuseOneBlockOfOneLog() throws Exception {
        try (Store s = Store.open(root)) {
            long inode = 0;
            for (int i = 0; i < 3; i++) {
                try (Transaction tx = s.begin()) {
                    tx.write("x", ("x" + i).getBytes(UTF_8));
                    tx.write("y", ("y" + i).getBytes(UTF_8));
                    tx.commit();
                }
                List<Path> files;
                try (Stream<Path> j = Files.list(root.resolve(".txring/journal"))) {
                    files = j.toList();
                }
                assertEquals(1, files.size(), "one log: " + files);
                assertTrue(RecordLog.slotOf(files.getFirst().getFileName().toString()) >= 0, files.toString());
                if (i == 0) inode = (Long) Files.getAttribute(files.getFirst(), "unix:ino");
                assertEquals(inode, (long) (Long) Files.getAttribute(files.getFirst(), "unix:ino"), "the same log");
                byte[] all = Files.readAllBytes(files.getFirst());
                assertEquals(RecordLog.INITIAL_BLOCKS * RecordLog.BLOCK, all.length, "no block added: the removed one was reused");
                for (int b = 0; b < all.length; b += RecordLog.BLOCK) assertEquals(0, all[b], "block " + b / RecordLog.BLOCK + " empty");
            }
            assertEquals("x2", Files.readString(root.resolve("x")));
        }
        assertEquals(List.of(), Files.list(root.resolve(".txring/journal")).toList(), "a closed handle's empty log is unlinked");
    }

    @Test
    void staleRecordNeverMovesAPathBackwards() throws Exception {
        crashAfterCommitPoint("t4");
        // A later commit replaced "a" and re-created "gone" after the record was written (its removal was lost).
        Files.delete(root.resolve("a"));
        Files.writeString(root.resolve("a"), "newer-a");
        Files.delete(root.resolve("gone"));
        Files.writeString(root.resolve("gone"), "newer");
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().startsWith("1 commit records replayed"), s.recoverySummary());
        }
        assertEquals("newer-a", Files.readString(root.resolve("a")), "a stale REPLACE must not undo the newer version");
        assertEquals("newer", Files.readString(root.resolve("gone")), "a stale DELETE must not remove the newer version");
        assertEquals("created", Files.readString(root.resolve("m/b")), "the CREATE is still due: b never existed");
        assertEquals(List.of(), shadows(), "the superseded shadow is removed");
    }

    @Test
    void malformedFieldsUnderAValidChecksumAreDiscardedNotFatal() throws Exception {
        Files.createDirectories(root.resolve(".txring/journal"));
        Files.writeString(root.resolve("a"), "old-a");
        String body = "txring-commit 3\nR \t\t.txr-x-0\ta\tnot-a-stamp\n";
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(body.getBytes(UTF_8));
        Files.writeString(root.resolve(".txring/journal/0-x-1"), body + "end " + Long.toHexString(crc.getValue()) + "\n");
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().contains("0 torn records discarded"), s.recoverySummary());
            assertTrue(s.recoverySummary().endsWith("1 malformed entries moved to .txring/quarantine"), s.recoverySummary());
        }
        assertEquals("old-a", Files.readString(root.resolve("a")));
        try (Stream<Path> q = Files.list(root.resolve(".txring/quarantine"))) {
            assertEquals(1, q.filter(p -> p.getFileName().toString().startsWith("0-x-1.")).count(), "kept for a look, not deleted");
        }
    }

    @Test
    void whatIsNotARecordIsQuarantinedNeverOpenedBlockingOrFatal() throws Exception {
        Path journal = Files.createDirectories(root.resolve(".txring/journal"));
        Files.createDirectories(journal.resolve("0-dir-1"));
        Files.createSymbolicLink(journal.resolve("0-link-1"), root.getParent());
        Process mkfifo = new ProcessBuilder("mkfifo", journal.resolve("0-fifo-1").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        try (var big = java.nio.channels.FileChannel.open(journal.resolve("0-big-1"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            big.write(java.nio.ByteBuffer.wrap(new byte[] {1}), Journal.MAX_RECORD_BYTES + 1); // sparse, just too large
        }
        try (Store s = Store.open(root)) { // would hang on the FIFO, or throw on the directory, before
            assertTrue(s.recoverySummary().endsWith("4 malformed entries moved to .txring/quarantine"), s.recoverySummary());
        }
        try (Stream<Path> j = Files.list(journal)) {
            assertEquals(List.of(), j.toList());
        }
    }

    private static String stampText(Path p) throws Exception {
        VersionStamp v = stampOf(p);
        return v.dev() + ":" + v.ino() + ":" + v.size() + ":" + v.mtimeNs();
    }

    @Test
    void recordNamesThatWouldLeaveTheRootAreNeverFollowed() throws Exception {
        Path outside = Files.createDirectories(root.getParent().resolve(root.getFileName() + "-outside"));
        Files.writeString(outside.resolve("victim"), "keep me");
        Files.createDirectories(root.resolve(".txring/journal"));
        Files.writeString(root.resolve(".txr-e-0"), "planted");
        String[] hostile = {
                "txring-commit 3\nD \t../" + outside.getFileName() + "/victim\t" + stampText(outside.resolve("victim")) + "\n", // a leaf with a slash
                "txring-commit 3\nR ..\t\t.txr-e-0\tvictim\t-\n",                                   // a '..' directory
                "txring-commit 3\nN \t\t../" + root.getFileName() + "/.txr-e-0\tx\n",              // a shadow with a slash
        };
        for (int i = 0; i < hostile.length; i++) {
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(hostile[i].getBytes(UTF_8));
            Files.writeString(root.resolve(".txring/journal/0-e-" + i), hostile[i] + "end " + Long.toHexString(crc.getValue()) + "\n");
        }
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().startsWith("0 commit records replayed, 0 torn records discarded"), s.recoverySummary());
            assertTrue(s.recoverySummary().endsWith("3 malformed entries moved to .txring/quarantine"), s.recoverySummary());
        }
        assertEquals("keep me", Files.readString(outside.resolve("victim")));
        assertFalse(Files.exists(root.resolve("x")));
    }

    /**
     * The same hostile records planted in blocks of a log, and "logs" that are not regular
     * files: every block and entry is quarantined, nothing outside the root is touched, and
     * the journal is left empty.
     */
    @Test
    void hostileBlocksAndLogsThatAreNotFilesAreQuarantined() throws Exception {
        Path outside = Files.createDirectories(root.getParent().resolve(root.getFileName() + "-outside"));
        Files.writeString(outside.resolve("victim"), "keep me");
        Path journal = Files.createDirectories(root.resolve(".txring/journal"));
        Files.writeString(root.resolve(".txr-e-0"), "planted");
        String[] hostile = {
                "txring-commit 3\nD \t../" + outside.getFileName() + "/victim\t" + stampText(outside.resolve("victim")) + "\n",
                "txring-commit 3\nR ..\t\t.txr-e-0\tvictim\t-\n",
                "txring-commit 3\nN \t\t../" + root.getFileName() + "/.txr-e-0\tx\n",
        };
        byte[] log = new byte[4 * RecordLog.BLOCK];
        for (int i = 0; i < hostile.length; i++) {
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(hostile[i].getBytes(UTF_8));
            byte[] rec = (hostile[i] + "end " + Long.toHexString(crc.getValue()) + "\n").getBytes(UTF_8);
            System.arraycopy(rec, 0, log, (i + 1) * RecordLog.BLOCK, rec.length); // block 0 stays empty
        }
        Files.write(journal.resolve(RecordLog.fileName(0)), log);
        Files.createDirectories(journal.resolve(RecordLog.fileName(5)));
        Process mkfifo = new ProcessBuilder("mkfifo", journal.resolve(RecordLog.fileName(6)).toString()).start();
        assertEquals(0, mkfifo.waitFor());
        try (Store s = Store.open(root)) { // would hang on the FIFO before
            assertTrue(s.recoverySummary().startsWith("0 commit records replayed, 0 torn records discarded"), s.recoverySummary());
            assertTrue(s.recoverySummary().endsWith("5 malformed entries moved to .txring/quarantine"), s.recoverySummary());
        }
        assertEquals("keep me", Files.readString(outside.resolve("victim")));
        assertFalse(Files.exists(root.resolve("x")));
        try (Stream<Path> j = Files.list(journal)) {
            assertEquals(List.of(), j.toList());
        }
        try (Stream<Path> q = Files.list(root.resolve(".txring/quarantine"))) {
            assertEquals(3, q.filter(p -> p.getFileName().toString().startsWith(RecordLog.fileName(0) + "@")).count(), "each block kept for a look");
        }
    }

    /**
     * An early (version 5) record of three creates from one hard-linked shadow, in a log, as a
     * crash can leave it: {@code shadows} of the three names present, the shadow holding
     * {@code content} while the record names the CRC of "msg"; {@code published} targets
     * already renamed from their shadows. Returns the lone open's summary.
     */
    private String earlyRecordAfterCrash(int shadows, String content, int published) throws Exception {
        Files.createDirectories(root.resolve(".txring/journal"));
        List<CommitRecord.Step> steps = new java.util.ArrayList<>();
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update("msg".getBytes(UTF_8));
        Path first = null;
        long ino = 0;
        for (int i = 0; i < 3; i++) {
            Files.createDirectories(root.resolve("box" + i));
            Path shadow = root.resolve("box0/.txr-3-h-1-" + i);
            if (first == null) {
                first = Files.writeString(shadow, content);
                ino = (Long) Files.getAttribute(first, "unix:ino");
            } else {
                Files.createLink(shadow, first);
            }
            steps.add(new CommitRecord.Step(CommitRecord.Kind.CREATE, "box" + i, "box0", ".txr-3-h-1-" + i, "m", VersionStamp.ABSENT,
                    new CommitRecord.Content(ino, 3, crc.getValue())));
        }
        for (int i = 0; i < published; i++) Files.move(root.resolve("box0/.txr-3-h-1-" + i), root.resolve("box" + i + "/m"));
        for (int i = 2; i >= Math.max(shadows, published); i--) Files.deleteIfExists(root.resolve("box0/.txr-3-h-1-" + i));
        byte[] log = new byte[RecordLog.BLOCK];
        byte[] rec = new CommitRecord("3-h-1", steps).encode();
        System.arraycopy(rec, 0, log, 0, rec.length);
        Files.write(root.resolve(".txring/journal/" + RecordLog.fileName(3)), log);
        try (Store s = Store.open(root)) {
            return s.recoverySummary();
        }
    }

    private int delivered() {
        int n = 0;
        for (int i = 0; i < 3; i++) if (Files.exists(root.resolve("box" + i + "/m"))) n++;
        return n;
    }

    /** The record and every shadow survived: rolled forward, all three delivered. */
    @Test
    void anEarlyRecordWithEveryShadowIsRolledForward() throws Exception {
        assertTrue(earlyRecordAfterCrash(3, "msg", 0).startsWith("1 commit records replayed"));
        assertEquals(3, delivered());
        assertEquals("msg", Files.readString(root.resolve("box2/m")));
        assertEquals(List.of(), shadows());
    }

    /** The record survived, one shadow's name did not, nothing was published: rolled back, nothing delivered. */
    @Test
    void anEarlyRecordMissingAShadowIsRolledBack() throws Exception {
        earlyRecordAfterCrash(2, "msg", 0);
        assertEquals(0, delivered(), "a shadow was lost before publishing: the commit never completed");
        assertEquals(List.of(), shadows());
        assertEquals(List.of(), Files.list(root.resolve(".txring/journal")).toList());
    }

    /** The shadows' names survived but not their data: rolled back, never published with other bytes. */
    @Test
    void anEarlyRecordWhoseShadowHoldsOtherBytesIsRolledBack() throws Exception {
        earlyRecordAfterCrash(3, "\0\0\0", 0);
        assertEquals(0, delivered());
        assertEquals(List.of(), shadows());
    }

    /** Publishing had begun (one target holds the shadows' inode): the rest is rolled forward. */
    @Test
    void anEarlyRecordHalfPublishedIsRolledForward() throws Exception {
        earlyRecordAfterCrash(3, "msg", 1);
        assertEquals(3, delivered());
        assertEquals(List.of(), shadows());
    }

    /** Files named like the scan's names for log blocks are record files to it, never blocks: a lone open still works. */
    @Test
    void filesNamedLikeLogBlocksAreNotBlocks() throws Exception {
        Path journal = Files.createDirectories(root.resolve(".txring/journal"));
        for (String n : List.of("log-3@x", "log-3@-1", "log-3@5")) Files.writeString(journal.resolve(n), "not a record");
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().startsWith("0 commit records replayed, 3 torn records discarded"), s.recoverySummary());
        }
        assertEquals(List.of(), Files.list(journal).toList());
    }

    /**
     * Handle A's record on x and y is removed, its removal not yet durable (a zeroed block of
     * A's log). Handle B's commit on x and y writes its record into B's own log, whose sync does
     * not cover A's: B must sync A's log before its commit point, or A's record could come back
     * over B's commit after a power cut.
     */
    @Test
    void aRecordFirstSyncsAnotherHandlesUnsyncedRemoval() throws Exception {
        List<String> syncedFiles = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        io.txring.core.OpTracer tracer = new io.txring.core.OpTracer() {
            @Override
            public void completed(io.txring.core.Op op, int res) {
            }

            @Override
            public void submitted(io.txring.core.Op op) {
                if (op.opcode() != io.txring.uring.generated.uring_h.IORING_OP_FSYNC) return;
                try {
                    syncedFiles.add(Files.readSymbolicLink(Path.of("/proc/self/fd/" + op.fd())).getFileName().toString());
                } catch (java.io.IOException e) {
                    // closed meanwhile
                }
            }
        };
        try (Store a = Store.open(root)) {
            a.run(tx -> {
                tx.write("x", "a".getBytes(UTF_8));
                tx.write("y", "a".getBytes(UTF_8));
                return null;
            });
            String logA = RecordLog.fileName(a.journal.log.slot);
            try (Store b = Store.open(root, StoreConfig.defaults().withRing(io.txring.core.RingConfig.builder().tracer(tracer).build()))) {
                b.run(tx -> {
                    tx.write("x", "b".getBytes(UTF_8));
                    tx.write("y", "b".getBytes(UTF_8));
                    return null;
                });
            }
            assertTrue(syncedFiles.contains(logA), "B synced " + syncedFiles + ", not " + logA);
        }
        assertEquals("b", Files.readString(root.resolve("x")));
    }

    @Test
    void rollsCommittedRecordsForwardAndIsIdempotent() throws Exception {
        crashAfterCommitPoint("t1");
        Files.writeString(root.resolve(".txr-orphan-0"), "from a transaction that never committed");
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().startsWith("1 commit records replayed"), s.recoverySummary());
        }
        assertEquals("new-a", Files.readString(root.resolve("a")));
        assertEquals("created", Files.readString(root.resolve("m/b")));
        assertFalse(Files.exists(root.resolve("gone")));
        assertEquals(List.of(), shadows());
        try (Store s = Store.open(root)) { // again: nothing left to do, nothing changes
            assertTrue(s.recoverySummary().startsWith("0 commit records"), s.recoverySummary());
        }
        assertEquals("new-a", Files.readString(root.resolve("a")));
    }

    @Test
    void interruptedRecoveryCompletesOnTheNextOpen() throws Exception {
        crashAfterCommitPoint("t2");
        Files.move(root.resolve(".txr-t2-0"), root.resolve("a"), java.nio.file.StandardCopyOption.REPLACE_EXISTING); // first step done, then a crash
        try (Store s = Store.open(root)) {
            assertEquals("new-a", Files.readString(root.resolve("a")));
            assertEquals("created", Files.readString(root.resolve("m/b")));
            assertFalse(Files.exists(root.resolve("gone")));
        }
    }

    @Test
    void tornRecordMeansNotCommitted() throws Exception {
        crashAfterCommitPoint("t3");
        byte[] full = Files.readAllBytes(root.resolve(".txring/journal/t3"));
        Files.write(root.resolve(".txring/journal/t3"), java.util.Arrays.copyOf(full, full.length - 5)); // cut before its end
        try (Store s = Store.open(root)) {
            assertTrue(s.recoverySummary().contains("1 torn records discarded"), s.recoverySummary());
        }
        assertEquals("old-a", Files.readString(root.resolve("a")));
        assertFalse(Files.exists(root.resolve("m/b")));
        assertEquals("old", Files.readString(root.resolve("gone")));
        assertEquals(List.of(), shadows());
    }

    @Test
    void recordRoundTrip() {
        CommitRecord r = new CommitRecord(List.of(new CommitRecord.Step(CommitRecord.Kind.REPLACE, "x y", "x y/tmp", ".txr-1-0", "é",
                new VersionStamp(1L << 32 | 3, 77, 12, 1_700_000_000_123_456_789L, 0, 0)),
                CommitRecord.Step.delete("", "gone", VersionStamp.ABSENT)));
        assertEquals(r, CommitRecord.decode(r.encode()));
        byte[] bad = r.encode();
        bad[20] ^= 1;
        assertNull(CommitRecord.decode(bad), "a flipped bit fails the checksum");
        assertNull(CommitRecord.decode("txring-commit 2\nR a\tb\tc\n".getBytes(UTF_8)));
    }
}
