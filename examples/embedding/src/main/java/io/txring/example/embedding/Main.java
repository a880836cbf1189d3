package io.txring.example.embedding;

import java.nio.file.Files;
import java.nio.file.Path;

/** Runs both snippets in a fresh directory and checks what they left: exit 0 only if both did their job. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("txring-embedding");
        Path accounts = Files.createDirectories(dir.resolve("store/acct"));
        Files.writeString(accounts.resolve("a"), "100");
        Files.writeString(accounts.resolve("b"), "5");
        int fsync = ReadmeSnippets.coreApi(dir);
        ReadmeSnippets.transfer(dir.resolve("store"));
        String a = Files.readString(dir.resolve("a")), from = Files.readString(accounts.resolve("a")), to = Files.readString(accounts.resolve("b"));
        boolean ok = fsync == 0 && a.equals("hello\n") && from.equals("90") && to.equals("15");
        System.out.printf("embedding example (%s): core API wrote %s; transfer left a=%s b=%s: %s%n",
                Main.class.getModule().isNamed() ? "module path" : "class path", a.strip(), from, to, ok ? "ok" : "WRONG");
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
        if (!ok) System.exit(1);
    }
}
