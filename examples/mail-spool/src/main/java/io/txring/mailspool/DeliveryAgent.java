package io.txring.mailspool;

import io.txring.core.RingConfig;
import io.txring.txn.Durability;
import io.txring.txn.ShadowPlacement;
import io.txring.txn.Store;
import io.txring.txn.StoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Delivers messages into Maildirs under one spool root, each message to all its
 * recipients in one transaction: written once, hard-linked into the other mailboxes,
 * published in {@code new/} only complete (shadows live in {@code tmp/}). Thread-safe:
 * concurrent deliveries share the store, whose commits share directory fsyncs.
 */
public final class DeliveryAgent implements MailDrop, AutoCloseable {
    /** Maildir files are private to their owner, as Dovecot and maildrop create them. */
    public static final int MESSAGE_MODE = 0600;
    /** Mailboxes ({@code tmp/ new/ cur/} and their parents) are private too. */
    public static final int MAILBOX_MODE = 0700;
    /** With {@code --group-shared}: the spool's group may read messages and list mailboxes (a reader running as another user). */
    public static final int SHARED_MESSAGE_MODE = 0640, SHARED_MAILBOX_MODE = 0750;

    /** Finishes a commit that failed after its commit point by itself (Store.recover, tried by begin). */
    private final Store store;
    /** Mailboxes whose tmp/new/cur we created or found this run: saves three mkdirat per delivery. */
    private final Set<String> prepared = ConcurrentHashMap.newKeySet();

    private DeliveryAgent(Path root, StoreConfig config) throws IOException {
        this.store = Store.open(root, config);
    }

    /** The store settings a spool needs: Maildir shadow placement, private files and mailboxes. */
    public static StoreConfig storeConfig(Durability durability, RingConfig ring) {
        return storeConfig(durability, ring, false);
    }

    /** As {@link #storeConfig(Durability, RingConfig)}; {@code groupShared} lets the spool's group read (0640 files, 0750 mailboxes). */
    public static StoreConfig storeConfig(Durability durability, RingConfig ring, boolean groupShared) {
        return StoreConfig.defaults().withDurability(durability).withRing(ring).withShadowPlacement(ShadowPlacement.MAILDIR)
                .withFileMode(groupShared ? SHARED_MESSAGE_MODE : MESSAGE_MODE)
                .withDirectoryMode(groupShared ? SHARED_MAILBOX_MODE : MAILBOX_MODE);
    }

    /** Opens the spool at {@code root} (creating it; running txn recovery when nobody else has it open). */
    public static DeliveryAgent open(Path root, StoreConfig config) throws IOException {
        return new DeliveryAgent(root, config);
    }

    public static DeliveryAgent open(Path root) throws IOException {
        return open(root, storeConfig(Durability.DURABLE, RingConfig.defaults()));
    }

    public Store store() { return store; }

    /**
     * Starts a delivery to {@code recipients} (duplicates collapse into one mailbox); their
     * Maildirs are created as needed. The returned delivery belongs to the calling thread
     * until it is committed or closed.
     */
    @Override
    public Delivery begin(Collection<Recipient> recipients) throws IOException {
        List<Recipient> distinct = List.copyOf(new LinkedHashSet<>(recipients));
        if (distinct.isEmpty()) throw new IllegalArgumentException("a delivery needs at least one recipient");
        try {
            for (Recipient r : distinct) prepare(store, r);
            return new Delivery(this, store, distinct);
        } catch (IOException | RuntimeException e) {
            forget(distinct); // a mailbox may have been removed under us: create it again next time
            throw e;
        }
    }

    /** Reads {@code in} to its end and delivers it; returns the store-relative paths of the new files. */
    public List<String> deliver(Collection<Recipient> recipients, InputStream in) throws IOException {
        try (Delivery d = begin(recipients)) {
            byte[] buf = new byte[Delivery.WHOLE_LIMIT];
            int n = in.readNBytes(buf, 0, buf.length);
            for (; n == buf.length; n = in.readNBytes(buf, 0, buf.length)) d.append(buf, 0, n); // larger: streamed
            return d.commit(MemorySegment.ofArray(buf).asSlice(0, n)); // a message that fits is handed over whole: retried on a conflict
        }
    }

    private void prepare(Store store, Recipient r) throws IOException {
        if (prepared.contains(r.mailbox())) return;
        // Through the store, not java.nio: each component is made with mkdirat beneath the root, never via a symlink.
        store.createDirectories(r.tmpDir());
        store.createDirectories(r.newDir());
        store.createDirectories(r.curDir());
        prepared.add(r.mailbox());
    }

    void forget(Collection<Recipient> recipients) {
        for (Recipient r : recipients) prepared.remove(r.mailbox());
    }

    @Override
    public void close() {
        store.close();
    }
}
