package io.txring.bench.workloads;

import io.txring.mailspool.MailDrop;
import io.txring.mailspool.MessageSink;
import io.txring.mailspool.Recipient;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mail workload's baseline: a straightforward blocking Maildir writer in java.nio, as
 * a Java developer would write one, behind the same LMTP front end. The message goes to
 * the first recipient's {@code tmp/}, is forced, hard-linked into every other recipient's
 * {@code new/}, moved into the first's {@code new/}, and every {@code new/} is forced —
 * durable like txring's delivery, but not all-or-nothing across mailboxes on a crash.
 */
final class BlockingMaildirWriter implements MailDrop {
    private final Path root;
    private final Set<String> prepared = ConcurrentHashMap.newKeySet();
    /** Shared by every writer in this JVM: each round opens a new writer on the same mailboxes, and names must not repeat. */
    private static final AtomicLong sequence = new AtomicLong();
    private final long pid = ProcessHandle.current().pid();

    BlockingMaildirWriter(Path root) {
        this.root = root;
    }

    @Override
    public MessageSink begin(Collection<Recipient> recipients) throws IOException {
        List<Recipient> distinct = List.copyOf(new LinkedHashSet<>(recipients));
        for (Recipient r : distinct) {
            if (prepared.add(r.mailbox())) {
                for (String d : List.of(r.tmpDir(), r.newDir(), r.curDir())) Files.createDirectories(root.resolve(d));
            }
        }
        return new Message(distinct);
    }

    private final class Message implements MessageSink {
        private final List<Recipient> recipients;
        private final Path tmp;
        private final FileChannel ch;
        private long size;
        private boolean committed;

        Message(List<Recipient> recipients) throws IOException {
            this.recipients = recipients;
            this.tmp = root.resolve(recipients.getFirst().tmpDir()).resolve(System.nanoTime() + "." + pid + "_" + sequence.incrementAndGet());
            this.ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }

        @Override
        public void append(MemorySegment data) throws IOException {
            var b = data.asByteBuffer();
            while (b.hasRemaining()) size += ch.write(b);
        }

        @Override
        public List<String> commit() throws IOException {
            ch.force(false);
            ch.close();
            long now = System.currentTimeMillis();
            String name = (now / 1000) + ".M" + (now % 1000) * 1000 + "P" + pid + "Q" + sequence.incrementAndGet() + ".bench,S=" + size;
            List<String> paths = new ArrayList<>();
            for (Recipient r : recipients.subList(1, recipients.size())) {
                Files.createLink(root.resolve(r.newDir()).resolve(name), tmp);
                paths.add(r.newDir() + "/" + name);
            }
            Recipient first = recipients.getFirst();
            Files.move(tmp, root.resolve(first.newDir()).resolve(name), StandardCopyOption.ATOMIC_MOVE);
            paths.addFirst(first.newDir() + "/" + name);
            for (Recipient r : recipients) {
                try (FileChannel d = FileChannel.open(root.resolve(r.newDir()), StandardOpenOption.READ)) {
                    d.force(true);
                }
            }
            committed = true;
            return paths;
        }

        @Override
        public void close() {
            try {
                ch.close();
                if (!committed) Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // a leftover tmp/ file is what Maildir readers ignore and fsck removes
            }
        }
    }
}
