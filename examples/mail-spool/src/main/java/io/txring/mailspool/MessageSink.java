package io.txring.mailspool;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** One message on its way into its recipients' Maildirs: appended as it arrives, then committed; closing without a commit discards it. */
public interface MessageSink extends AutoCloseable {
    void append(MemorySegment data) throws IOException;

    /** Makes the message durable in every recipient's {@code new/}; returns the spool-relative paths. */
    List<String> commit() throws IOException;

    /**
     * Appends {@code last}, the end of the message, and commits. {@code last} stays valid
     * until this returns, so a sink may write it again to retry the commit instead of
     * keeping a copy of the message.
     */
    default List<String> commit(MemorySegment last) throws IOException {
        append(last);
        return commit();
    }

    @Override
    void close();
}
