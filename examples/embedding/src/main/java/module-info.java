/** A server's module using txring: it reads io.txring.txn (and, through it, io.txring.core). */
module io.txring.example.embedding {
    requires io.txring.txn;
}
