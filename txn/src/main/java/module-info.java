/** Transactions over files: shadow files, version stamps, crash-atomic commit, recovery. */
module io.txring.txn {
    requires transitive io.txring.core;
    requires jdk.jfr; // TxnEvents
    exports io.txring.txn;
}
