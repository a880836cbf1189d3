package io.txring.uring;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed bindings match the headers installed on this machine:
 * <ol>
 *   <li>the layout probe (gen/probe.c) is compiled with gcc and run now; its output is
 *       compared, entry by entry, with the committed gen/probe-output.txt;
 *   <li>the compiled generated classes agree with the committed probe output (every
 *       sizeof, alignof and offset);
 *   <li>the generator, run on the committed probe output with this JDK, reproduces the
 *       committed sources byte for byte.
 * </ol>
 * If this fails after a header upgrade, run {@code sh uring-bindings/gen/regen} and commit.
 * gcc and liburing-dev are required (CI installs them): their absence fails, not skips.
 */
class BindingsDriftTest {
    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path GEN = MODULE.resolve("gen");
    private static final Path GENERATED = MODULE.resolve("src/main/java/io/txring/uring/generated");
    private static final String REGEN = "; run `sh uring-bindings/gen/regen` and commit the result";

    @TempDir Path tmp;

    private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    /** Probe lines by what they describe: "struct S", "field S f", "const C", "errno E". */
    private static Map<String, String> byKey(List<String> lines) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : lines) {
            String[] w = line.split(" ");
            String key = w[0].equals("field") ? w[0] + " " + w[1] + "." + w[2] : w[0] + " " + w[1];
            m.put(key, line);
        }
        return m;
    }

    private static List<String> committedProbeOutput() throws IOException {
        return Files.readAllLines(GEN.resolve("probe-output.txt"));
    }

    @Test
    void probeOutputMatchesTheInstalledHeaders() throws Exception {
        for (String h : List.of("/usr/include/liburing.h", "/usr/include/linux/io_uring.h")) {
            assertTrue(Files.exists(Path.of(h)), h + " is missing: install liburing-dev and linux-libc-dev"
                    + " (apt-get install -y gcc liburing-dev); the drift check needs them");
        }
        try {
            run(tmp, "gcc", "--version");
        } catch (IOException e) {
            fail("gcc is not installed or not on PATH (apt-get install -y gcc); the drift check compiles gen/probe.c: " + e.getMessage());
        }
        run(tmp, "gcc", "-Wall", "-Werror", "-o", tmp.resolve("probe").toString(), GEN.resolve("probe.c").toString());
        List<String> now = run(tmp, tmp.resolve("probe").toString()).lines().toList();
        List<String> committed = committedProbeOutput();

        Map<String, String> was = byKey(committed), is = byKey(now);
        List<String> drift = new ArrayList<>();
        was.forEach((k, line) -> {
            String n = is.get(k);
            if (n == null) drift.add(k + ": gone from the probe output (was `" + line + "`)");
            else if (!n.equals(line)) drift.add(k + ": committed `" + line + "`, installed headers give `" + n + "`");
        });
        is.forEach((k, line) -> {
            if (!was.containsKey(k)) drift.add(k + ": new in the probe output `" + line + "`");
        });
        if (drift.isEmpty() && !now.equals(committed)) drift.add("same entries in a different order");
        assertTrue(drift.isEmpty(), "bindings drifted from the installed headers" + REGEN + ":\n  " + String.join("\n  ", drift));
    }

    @Test
    void compiledLayoutsAgreeWithTheProbe() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (String line : committedProbeOutput()) {
            String[] w = line.split(" ");
            if (w[0].equals("struct")) {
                StructLayout layout = (StructLayout) generated(w[1]).getField("LAYOUT").get(null);
                long sizeof = generated(w[1]).getField("SIZEOF").getLong(null);
                if (layout.byteSize() != Long.parseLong(w[2]) || sizeof != layout.byteSize()) {
                    wrong.add("sizeof(struct " + w[1] + ") = " + w[2] + ", LAYOUT " + layout.byteSize() + ", SIZEOF " + sizeof);
                }
                if (layout.byteAlignment() != Long.parseLong(w[3])) {
                    wrong.add("alignof(struct " + w[1] + ") = " + w[3] + ", LAYOUT " + layout.byteAlignment());
                }
            } else if (w[0].equals("field")) {
                long offset = generated(w[1]).getField(w[2] + "$OFFSET").getLong(null);
                if (offset != Long.parseLong(w[3])) wrong.add("offsetof(" + w[1] + ", " + w[2] + ") = " + w[3] + ", generated " + offset);
            }
        }
        assertTrue(wrong.isEmpty(), "generated classes disagree with gen/probe-output.txt" + REGEN + ":\n  " + String.join("\n  ", wrong));
    }

    private static Class<?> generated(String struct) throws ClassNotFoundException {
        return Class.forName("io.txring.uring.generated." + struct);
    }

    @Test
    void generatedSourcesAreWhatTheGeneratorMakes() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow(() -> new AssertionError("cannot tell this JVM's java launcher"));
        run(MODULE, java, GEN.resolve("BindingGenerator.java").toString(), GEN.resolve("probe-output.txt").toString(), tmp.toString());
        Path fresh = tmp.resolve("io/txring/uring/generated");
        List<String> committed = list(GENERATED), made = list(fresh);
        assertEquals(made, committed, "the generated file set differs from the generator's" + REGEN);
        List<String> differ = new ArrayList<>();
        for (String n : committed) {
            List<String> want = Files.readAllLines(fresh.resolve(n)), have = Files.readAllLines(GENERATED.resolve(n));
            if (Files.mismatch(fresh.resolve(n), GENERATED.resolve(n)) == -1) continue;
            int i = 0;
            while (i < want.size() && i < have.size() && want.get(i).equals(have.get(i))) i++;
            differ.add(n + " (first at line " + (i + 1) + ": generator `" + (i < want.size() ? want.get(i) : "<end>")
                    + "`, committed `" + (i < have.size() ? have.get(i) : "<end>") + "`)");
        }
        assertTrue(differ.isEmpty(), "generated sources were edited by hand or gen/ changed without regen" + REGEN + ":\n  "
                + String.join("\n  ", differ));
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
