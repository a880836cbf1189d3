package io.txring.mailspool;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** One message on its way into its recipients' Maildirs: appended as it arrives, then committed; closing without a commit discards it. */
public interface MessageSink extends AutoCloseable {
    void append(MemorySegment data) throws IOException;

    /** Makes the message durable in every recipient's {@code new/}; returns the spool-relative paths. */
    List<String> commit() throws IOException;

    @Override
    void close();
}
