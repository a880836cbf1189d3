/**
 * The probes the Docker integration tests run inside mail-spool containers: an LMTP client
 * that logs what was acknowledged, an auditor of a spool against that log, and a bank of
 * accounts moved between by transactions from two containers at once.
 */
module io.txring.docker {
    requires io.txring.mailspool;
    requires io.txring.txn;

    exports io.txring.docker.probe;
}
