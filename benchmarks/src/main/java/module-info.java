/** Benchmarks, the comparison harness and the burst demo. */
module io.txring.bench {
    requires io.txring.core;
    requires io.txring.txn;
    requires info.picocli;
    requires static jmh.core;
    opens io.txring.bench to info.picocli;
}
