package io.txring.mailspool;

import java.time.Duration;
import java.util.Locale;

/** Parses the sizes and durations people type: {@code 50M}, {@code 4KiB}, {@code 300s}, {@code 5m}, {@code PT1H}. */
public final class Units {
    private Units() {}

    public static long bytes(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                default -> { }
            }
            if (unit > 1) t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t.strip());
            if (n < 0) throw new IllegalArgumentException("negative size: " + s);
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size (e.g. 4096, 64K, 50M): " + s);
        }
    }

    public static Duration duration(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) return Duration.parse(t.toUpperCase(Locale.ROOT));
            if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            if (t.endsWith("s")) return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            if (t.endsWith("m")) return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            if (t.endsWith("h")) return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration (e.g. 300s, 5m, 500ms, PT5M): " + s);
        }
    }
}
