package io.txring.uring;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed bindings match the headers installed on this machine: the layout probe is
 * compiled and run now, its output compared line by line with gen/probe-output.txt, and
 * the generator's output compared byte by byte with the committed sources.
 * If this fails after a header upgrade, run {@code uring-bindings/gen/regen} and commit.
 */
class BindingsDriftTest {
    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path GEN = MODULE.resolve("gen");
    private static final Path GENERATED = MODULE.resolve("src/main/java/io/txring/uring/generated");

    @TempDir Path tmp;

    private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    @Test
    void probeOutputMatchesTheInstalledHeaders() throws Exception {
        assertTrue(Files.exists(Path.of("/usr/include/liburing.h")),
                "liburing headers are missing: apt-get install -y liburing-dev (./txring does this)");
        run(tmp, "gcc", "-Wall", "-Werror", "-o", tmp.resolve("probe").toString(), GEN.resolve("probe.c").toString());
        List<String> now = run(tmp, tmp.resolve("probe").toString()).lines().toList();
        List<String> committed = Files.readAllLines(GEN.resolve("probe-output.txt"));
        List<String> drift = new ArrayList<>();
        for (int i = 0; i < Math.max(now.size(), committed.size()); i++) {
            String c = i < committed.size() ? committed.get(i) : "(missing)";
            String n = i < now.size() ? now.get(i) : "(missing)";
            if (!c.equals(n)) drift.add("committed: " + c + "  | headers now: " + n);
        }
        assertEquals(List.of(), drift, "bindings drifted from the installed headers; run uring-bindings/gen/regen");
    }

    @Test
    void generatedSourcesAreWhatTheGeneratorMakes() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        run(MODULE, java, GEN.resolve("BindingGenerator.java").toString(), GEN.resolve("probe-output.txt").toString(), tmp.toString());
        Path fresh = tmp.resolve("io/txring/uring/generated");
        List<String> names;
        try (Stream<Path> s = Files.list(GENERATED)) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        try (Stream<Path> s = Files.list(fresh)) {
            assertEquals(s.map(p -> p.getFileName().toString()).sorted().toList(), names, "generated file set differs");
        }
        for (String n : names) {
            assertEquals(Files.readString(fresh.resolve(n)), Files.readString(GENERATED.resolve(n)),
                    n + " differs from the generator's output: someone edited it, or gen/ changed without regen");
        }
    }
}
