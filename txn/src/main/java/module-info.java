/** Transactions over files: shadow files, version stamps, crash-atomic commit, recovery. */
module io.txring.txn {
    requires transitive io.txring.core;
    requires jdk.jfr; // TxnEvents
    requires HdrHistogram; // CommitTimings (an automatic module: its jar names no module)
    exports io.txring.txn;
}
