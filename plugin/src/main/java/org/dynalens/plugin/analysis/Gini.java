package org.dynalens.plugin.analysis;

import java.util.Arrays;

/**
 * The Gini coefficient as a sparsity measure (Hurley and Rickard 2009, "Comparing measures of sparsity", eq. for
 * G): with c sorted ascending, {@code G = 1 - 2 sum_k (c_k / |c|_1) (N - k + 1/2) / N}. It is 0 for a constant
 * vector and (N-1)/N for a one-hot vector. Nanda et al. 2023 (sec. 5.1, fig. 7) track it for the Fourier component
 * norms of W_E and W_L: it rises as the circuit concentrates on a few key frequencies.
 */
public final class Gini {

    private Gini() {
    }

    /** Gini coefficient of the absolute values of {@code values}; 0 for an all-zero vector. */
    public static double of(double[] values) {
        int n = values.length;
        if (n == 0) throw new IllegalArgumentException("the Gini coefficient of an empty vector is undefined");
        double[] c = new double[n];
        for (int i = 0; i < n; i++) c[i] = Math.abs(values[i]);
        Arrays.sort(c);
        double l1 = 0;
        for (double v : c) l1 += v;
        if (l1 == 0) return 0;
        double s = 0;
        for (int k = 1; k <= n; k++) s += (c[k - 1] / l1) * ((n - k + 0.5) / n);
        return 1 - 2 * s;
    }
}
