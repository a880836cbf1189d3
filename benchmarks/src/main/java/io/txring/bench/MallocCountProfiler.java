package io.txring.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Native allocations per benchmark op: the malloc-family calls of the benchmark threads that
 * opted in ({@link #countThisThread()}), as counted by {@code src/main/c/malloc-count.c}
 * preloaded into the JVM. Reports {@code ·mallocs.norm}; nothing when the shim is not preloaded.
 * <pre>
 * gcc -O2 -shared -fPIC -o /tmp/malloc-count.so benchmarks/src/main/c/malloc-count.c
 * LD_PRELOAD=/tmp/malloc-count.so ./txring jmh DurableCommitBenchmark -prof gc -prof io.txring.bench.MallocCountProfiler
 * </pre>
 */
public final class MallocCountProfiler implements InternalProfiler {
    private static final MethodHandle COUNT_THIS_THREAD, MALLOCS;

    static {
        MethodHandle count = null, mallocs = null;
        String preload = System.getenv("LD_PRELOAD");
        if (preload != null) {
            for (String lib : preload.split("[: ]")) {
                if (!lib.contains("malloc-count")) continue;
                SymbolLookup shim = SymbolLookup.libraryLookup(Path.of(lib), Arena.global()); // already loaded: the same handle
                Linker linker = Linker.nativeLinker();
                count = linker.downcallHandle(shim.findOrThrow("txring_count_this_thread"), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
                mallocs = linker.downcallHandle(shim.findOrThrow("txring_mallocs"), FunctionDescriptor.of(ValueLayout.JAVA_LONG));
            }
        }
        COUNT_THIS_THREAD = count;
        MALLOCS = mallocs;
    }

    private long before;

    /** Counts the calling thread's mallocs from now on (a benchmark's trial setup runs on its thread). */
    public static void countThisThread() {
        if (COUNT_THIS_THREAD == null) return;
        try {
            COUNT_THIS_THREAD.invokeExact(1);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static long mallocs() {
        try {
            return (long) MALLOCS.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        if (MALLOCS != null) before = mallocs();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        long ops = result.getMetadata() == null ? 0 : result.getMetadata().getAllOps();
        if (MALLOCS == null || ops == 0) return List.of();
        return List.of(new ScalarResult("mallocs.norm", (double) (mallocs() - before) / ops, "mallocs/op", AggregationPolicy.AVG));
    }

    @Override
    public String getDescription() {
        return "malloc calls per op of the counted benchmark threads (LD_PRELOAD benchmarks/src/main/c/malloc-count.c)";
    }
}
