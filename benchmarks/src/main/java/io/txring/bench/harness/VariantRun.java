package io.txring.bench.harness;

/** One variant of a workload, set up and ready to run rounds; closed after the last. */
public interface VariantRun extends AutoCloseable {
    /** Runs one bounded round of the workload and says what it did. */
    RoundSample round() throws Exception;

    /** The process doing the work, whose syscalls perf counts: this one, a server the variant started, or -1 (a process per round). */
    default long pid() {
        return ProcessHandle.current().pid();
    }

    @Override
    void close() throws Exception;
}
