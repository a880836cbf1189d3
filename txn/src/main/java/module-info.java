/** Transactions over files (issue 3 fills this module). */
module io.txring.txn {
    requires transitive io.txring.core;
}
