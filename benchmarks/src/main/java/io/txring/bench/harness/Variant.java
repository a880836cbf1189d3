package io.txring.bench.harness;

/**
 * A way to do a workload's work: a txring configuration, the Java NIO baseline, or an
 * outside ceiling (fio). Opened once before the rounds, so set-up cost stays out of them.
 */
public record Variant(String name, Kind kind, Opener opener) {
    public enum Kind { TXRING, NIO, CEILING }

    @FunctionalInterface
    public interface Opener {
        VariantRun open() throws Exception;
    }

    public static Variant txring(String name, Opener o) { return new Variant(name, Kind.TXRING, o); }
    public static Variant nio(String name, Opener o) { return new Variant(name, Kind.NIO, o); }
    public static Variant ceiling(String name, Opener o) { return new Variant(name, Kind.CEILING, o); }
}
