package org.dynalens.plugin.task;

import java.util.SplittableRandom;

/**
 * A set of examples: {@code tokens} is row-major [n, contextLength], {@code labels} is [n].
 */
public record Examples(int contextLength, int[] tokens, int[] labels) {

    public Examples {
        if (tokens.length != labels.length * contextLength) {
            throw new IllegalArgumentException("tokens must be [n, " + contextLength + "] for " + labels.length + " labels");
        }
    }

    public int size() {
        return labels.length;
    }

    /** The examples at the given indices, in that order. */
    public Examples select(int[] indices) {
        int[] t = new int[indices.length * contextLength];
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(tokens, indices[i] * contextLength, t, i * contextLength, contextLength);
            l[i] = labels[indices[i]];
        }
        return new Examples(contextLength, t, l);
    }

    /**
     * A random train/test split: the first {@code floor(fraction * n)} of a seeded permutation train, the rest test.
     * The same seed always gives the same split.
     */
    public Split split(double trainFraction, long seed) {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("train fraction must be in (0, 1), got " + trainFraction);
        }
        int n = size();
        int[] perm = Batches.permutation(n, new SplittableRandom(seed));
        int nTrain = (int) (trainFraction * n); // floor, as Nanda et al. (3830 of 12769 pairs at 0.3)
        if (nTrain == 0 || nTrain == n) {
            throw new IllegalArgumentException("train fraction " + trainFraction + " leaves an empty split of " + n + " examples");
        }
        return new Split(select(java.util.Arrays.copyOfRange(perm, 0, nTrain)),
                select(java.util.Arrays.copyOfRange(perm, nTrain, n)));
    }

    public record Split(Examples train, Examples test) {
    }
}
