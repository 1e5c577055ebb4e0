package org.dynalens.plugin.task;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/** Helpers shared by the tasks (and the seeded choices of training): random streams, permutations, settings. */
public final class Batches {

    private Batches() {
    }

    /**
     * The random stream of one batch: a {@link SplittableRandom} seeded from {@code (seed, step)} through a
     * SplitMix64 finaliser, so neighbouring seeds or steps give unrelated streams and no state is carried between
     * steps.
     */
    public static SplittableRandom random(long seed, long step) {
        return new SplittableRandom(mix(seed, step));
    }

    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** An integer setting in [min, max], or its default; the message names the setting. */
    static int intSetting(Map<String, Object> settings, String name, int defaultValue, int min, int max) {
        Object v = settings.get(name);
        if (v == null) return defaultValue;
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new IllegalArgumentException(name + " must be an integer, got " + v);
        }
        if (n.doubleValue() < min || n.doubleValue() > max) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + v);
        }
        return n.intValue();
    }

    /** A positive number setting, or its default. */
    static double positiveSetting(Map<String, Object> settings, String name, double defaultValue) {
        Object v = settings.get(name);
        if (v == null) return defaultValue;
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || !Double.isFinite(n.doubleValue())) {
            throw new IllegalArgumentException(name + " must be a positive number, got " + v);
        }
        return n.doubleValue();
    }

    /**
     * A uniformly random permutation of 0..n-1: Fisher-Yates from the last position down, one {@code nextInt(i + 1)}
     * per position. The train/test split, sparse parity's secret bits and a random ticket mask all draw theirs here, so
     * the same generator state always gives the same permutation.
     */
    public static int[] permutation(int n, RandomGenerator rng) {
        int[] perm = range(0, n);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }

    /** Positions from (inclusive) to (exclusive). */
    static int[] range(int from, int to) {
        int[] r = new int[Math.max(0, to - from)];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }
}
