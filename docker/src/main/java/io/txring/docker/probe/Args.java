package io.txring.docker.probe;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** {@code --name value} pairs of a probe's command line. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    Args(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) throw new IllegalArgumentException("expected --name value at: " + args[i]);
            values.put(args[i].substring(2), args[++i]);
        }
    }

    String get(String name) {
        String v = values.get(name);
        if (v == null) throw new IllegalArgumentException("--" + name + " is required");
        return v;
    }

    String get(String name, String orElse) {
        return values.getOrDefault(name, orElse);
    }

    int integer(String name, int orElse) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : orElse;
    }

    Duration seconds(String name, int orElse) {
        return Duration.ofSeconds(integer(name, orElse));
    }
}
