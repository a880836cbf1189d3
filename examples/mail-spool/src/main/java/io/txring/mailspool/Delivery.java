package io.txring.mailspool;

import io.txring.txn.CommitUnknownException;
import io.txring.txn.ConflictException;
import io.txring.txn.Store;
import io.txring.txn.Transaction;
import io.txring.txn.VersionStamp;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.List;

/**
 * One message on its way into its recipients' Maildirs. Bytes are appended to the
 * transaction's shadow (in the first recipient's {@code tmp/}) as they arrive, so memory
 * stays bounded whatever the size; {@link #commit()} names the file after its inode and
 * size, links it into every other mailbox's {@code new/} and commits: every mailbox gets
 * the message or none does. Closing without a commit discards it. One thread at a time.
 */
public final class Delivery implements MessageSink {
    /**
     * A conflict aborts the transaction and its shadow with it. A message handed over whole
     * to {@link #commit(MemorySegment)} is retried under a fresh name from the caller's
     * memory; one that was streamed fails temporarily on a conflict (the client retries) —
     * conflicts need someone else to create our unique name, so this is a corner of a corner.
     * {@link DeliveryAgent#deliver} reads a message up to this size whole before writing it.
     */
    static final int WHOLE_LIMIT = 128 * 1024;
    private static final int MAX_ATTEMPTS = 5;
    private static final int COPY_CHUNK = 64 * 1024;

    private final DeliveryAgent agent;
    private final Store store;
    private final List<Recipient> recipients;
    /** Holds {@link #copyBuffer}; made only for heap data (closing a shared arena costs a handshake with every thread). */
    private Arena arena;
    private MemorySegment copyBuffer;
    private Transaction tx;
    private MaildirName name;
    /** The message until it is named after its inode and size (the first recipient's tmp/): no provisional path. */
    private Transaction.Staged file;
    private long size;
    /** Given the paths the message is about to be published under, before the commit (a test makes a conflict there). */
    java.util.function.Consumer<List<String>> beforeCommit = paths -> { };
    private boolean committed;

    private boolean ended;

    /** The caller holds the agent's read lock on {@code store}; a failure here releases it. */
    Delivery(DeliveryAgent agent, Store store, List<Recipient> recipients) throws IOException {
        this.agent = agent;
        this.store = store;
        this.recipients = recipients;
        try {
            start();
        } catch (IOException | RuntimeException e) {
            closeArena();
            throw e;
        }
    }

    private void start() throws IOException {
        tx = store.begin();
        name = MaildirName.next();
        size = 0;
        try {
            file = tx.stage(recipients.getFirst().newDir());
        } catch (IOException | RuntimeException e) {
            tx.abort(); // its shadow, if one was made, goes with it
            throw e;
        }
    }

    public List<Recipient> recipients() { return recipients; }

    /** Bytes appended so far: the message's size. */
    public long size() { return size; }

    /** Appends {@code data} (native or heap memory) to the message. */
    public void append(MemorySegment data) throws IOException {
        if (data.byteSize() == 0) return;
        if (!data.isNative()) {
            // txn writes through the ring, which needs native memory: copy through one reused buffer.
            for (long at = 0; at < data.byteSize(); at += COPY_CHUNK) {
                long n = Math.min(COPY_CHUNK, data.byteSize() - at);
                MemorySegment buf = copyBuffer().asSlice(0, n);
                buf.copyFrom(data.asSlice(at, n));
                appendNative(buf);
            }
            return;
        }
        appendNative(data);
    }

    public void append(byte[] data, int offset, int length) throws IOException {
        append(MemorySegment.ofArray(data).asSlice(offset, length));
    }

    private MemorySegment copyBuffer() {
        if (copyBuffer == null) {
            arena = Arena.ofShared();
            copyBuffer = arena.allocate(COPY_CHUNK);
        }
        return copyBuffer;
    }

    private void closeArena() {
        if (arena != null) arena.close();
    }

    private void appendNative(MemorySegment data) throws IOException {
        tx.append(file, data);
        size += data.byteSize();
    }

    /**
     * Publishes the message in every recipient's {@code new/}; returns the store-relative
     * paths, one per recipient. On failure nothing is published (or, for a
     * {@code CommitUnknownException}, recovery completes it) and this throws.
     */
    public List<String> commit() throws IOException {
        return commit(MemorySegment.NULL);
    }

    /**
     * Appends {@code last} and publishes as {@link #commit()} does. When nothing was
     * appended before, the whole message is {@code last}: a conflict starts over from it.
     */
    @Override
    public List<String> commit(MemorySegment last) throws IOException {
        boolean whole = size == 0; // the caller's memory holds all of it: no copy of the message is kept for a retry
        append(last);
        for (int attempt = 1; ; attempt++) {
            try {
                List<String> paths = publish();
                committed = true;
                return paths;
            } catch (ConflictException | FileAlreadyExistsException e) { // someone took the name: before or after we chose it
                if (!whole || attempt >= MAX_ATTEMPTS) throw e;
                tx.abort(); // a conflict aborted it already; a name found taken did not
                start(); // a fresh transaction, a fresh name
                append(last);
            }
        }
    }

    private List<String> publish() throws IOException {
        VersionStamp stamp = tx.stamp(file);
        String leaf = name.withFile(stamp.dev(), stamp.ino()).withSize(size);
        List<String> paths = new ArrayList<>(recipients.size());
        String first = recipients.getFirst().newDir() + "/" + leaf;
        tx.create(first, file); // the name depends on the inode and size: known only now
        paths.add(first);
        for (Recipient r : recipients.subList(1, recipients.size())) {
            String p = r.newDir() + "/" + leaf;
            tx.link(first, p); // one inode in every mailbox: written once
            paths.add(p);
        }
        beforeCommit.accept(paths);
        try {
            tx.commit();
        } catch (CommitUnknownException e) {
            throw e; // the store finishes it (Store.recover, which its next begin tries)
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof ConflictException)) agent.forget(recipients);
            throw e;
        }
        return paths;
    }

    /** Discards the message unless it was committed. */
    @Override
    public void close() {
        if (ended) return;
        ended = true;
        try {
            if (!committed) tx.abort();
        } finally {
            closeArena();
        }
    }
}
