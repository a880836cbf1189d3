package io.txring.mailspool;

import java.io.IOException;
import java.util.Collection;

/**
 * Where the LMTP front end hands messages: {@link DeliveryAgent} (txring transactions), or
 * another writer behind the same front end — the benchmarks' blocking java.nio Maildir
 * writer is one. Thread-safe; each {@link MessageSink} belongs to the thread that began it.
 */
public interface MailDrop {
    /** Starts a message to {@code recipients}, creating their Maildirs as needed. */
    MessageSink begin(Collection<Recipient> recipients) throws IOException;
}
