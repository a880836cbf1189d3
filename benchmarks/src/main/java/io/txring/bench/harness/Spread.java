package io.txring.bench.harness;

import java.util.Arrays;

/** Median, min and max of a set of samples. */
public record Spread(double median, double min, double max) {
    public static Spread of(double[] v) {
        if (v.length == 0) throw new IllegalArgumentException("no samples");
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new Spread(median, s[0], s[n - 1]);
    }
}
