package io.txring.example.embedding;

import static io.txring.uring.generated.uring_h.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.txring.core.Op;
import io.txring.core.OpQueue;
import io.txring.core.Ring;
import io.txring.txn.Store;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** The README's two snippets, as written there but for the directories they work in. */
public final class ReadmeSnippets {
    private ReadmeSnippets() {}

    /** "The core API in 15 lines": writes {@code dir/a} durably through one linked chain. Returns the directory fsync's result. */
    public static int coreApi(Path directory) throws IOException {
        try (Ring ring = Ring.open();                       // io_uring, or the blocking fallback
             Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom(JAVA_BYTE, "hello\n".getBytes(US_ASCII));
            int dir = ring.call(Op.openat(AT_FDCWD, directory.toString(), O_RDONLY | O_DIRECTORY, 0));
            OpQueue q = ring.queue();                       // the seed's queue: send, barrier, get
            q.send(new Op().prepOpenatDirect(dir, "a.tmp", O_CREAT | O_WRONLY, 0644, 0),  // one linked chain,
                   new Op().prepWrite(0, data, 0).fixedFile(),                          // no fd round trip
                   new Op().prepFsync(0).fixedFile(),
                   new Op().prepCloseDirect(0),
                   Op.renameat(dir, "a.tmp", dir, "a", RENAME_NOREPLACE));
            q.barrier();                                    // one submission for all five
            for (int i = 0; i < 5; i++) q.getOrThrow();     // results in send order; typed errors
            int n = ring.submitAsync(Op.fsync(dir)).join(); // or a CompletableFuture
            ring.call(Op.close(dir));
            return n;
        }
    }

    /** "Transactions": moves 10 from {@code acct/a} to {@code acct/b} under {@code root}, both or neither. */
    public static void transfer(Path root) throws IOException {
        try (Store store = Store.open(root)) {                   // recovers first if needed
            store.run(tx -> {                                    // retried on conflict until a deadline (30 s)
                long from = Long.parseLong(new String(tx.read("acct/a"), UTF_8));
                long to = Long.parseLong(new String(tx.read("acct/b"), UTF_8));
                tx.write("acct/a", Long.toString(from - 10).getBytes(UTF_8));
                tx.write("acct/b", Long.toString(to + 10).getBytes(UTF_8));
                return null;
            });                                                  // both files change, or neither
        }
    }
}
