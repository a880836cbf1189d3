/** Benchmarks, the comparison harness and the burst demo. */
module io.txring.bench {
    requires io.txring.core;
    requires io.txring.txn;
    requires io.txring.mailspool;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires me.tongfei.progressbar;
    requires org.jfree.jfreechart;
    requires java.desktop;
    requires jdk.unsupported; // com.sun.nio.file.ExtendedOpenOption.DIRECT for the NIO O_DIRECT baseline
    requires static jmh.core;
    opens io.txring.bench to info.picocli;
    opens io.txring.bench.harness to com.fasterxml.jackson.databind;
    opens io.txring.bench.workloads to info.picocli;
}
