/** The mail-spool example (issue 4 fills this module). */
module io.txring.mailspool {
    requires io.txring.txn;
}
