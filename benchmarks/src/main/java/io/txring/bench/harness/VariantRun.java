package io.txring.bench.harness;

/** One variant of a workload, set up and ready to run rounds; closed after the last. */
public interface VariantRun extends AutoCloseable {
    /** Runs one bounded round of the workload and says what it did. */
    RoundSample round() throws Exception;

    @Override
    void close() throws Exception;
}
