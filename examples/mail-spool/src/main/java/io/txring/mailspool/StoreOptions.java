package io.txring.mailspool;

import io.txring.core.Backend;
import io.txring.core.Mode;
import io.txring.core.RingConfig;
import io.txring.txn.Durability;
import io.txring.txn.StoreConfig;
import picocli.CommandLine.Option;

/** The spool options every subcommand shares (a picocli mixin). */
public final class StoreOptions {
    @Option(names = "--durability", description = "DURABLE (fsync: survives a power cut; the default) or CONSISTENT (atomic, not synced)")
    public Durability durability = Durability.DURABLE;

    @Option(names = "--backend", description = "IO_URING or BLOCKING (default: io_uring when available)")
    public Backend backend;

    @Option(names = "--mode", description = "ring mode: SHARED (default) or SQPOLL (SINGLE_ISSUER and SQPOLL_SINGLE_ISSUER are refused: deliveries run on many threads)")
    public Mode mode;

    @Option(names = "--group-shared", description = "messages 0640 and mailboxes 0750 so the spool's group can read them "
            + "(default: 0600 and 0700, the owner only; .txring stays 0700 either way)")
    public boolean groupShared;

    public StoreConfig storeConfig() {
        RingConfig.Builder ring = RingConfig.builder();
        if (backend != null) ring.backend(backend);
        if (mode != null && mode.ownedByOpener()) {
            // Such a ring refuses every thread but its owner; a spool serves many sessions at once.
            throw new IllegalArgumentException("--mode " + mode + ": the spool's ring is shared by every session's thread; use SHARED or SQPOLL");
        }
        if (mode != null) ring.mode(mode);
        return DeliveryAgent.storeConfig(durability, ring.build(), groupShared);
    }
}
