package org.dynalens.plugin.analysis;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * Neurons clustered by the frequency they respond to, and the key frequencies that follow (Nanda et al. 2023 sec.
 * 4.2 and appendix; {@code neuron_freqs}/{@code key_freqs} in their code). For each neuron the post-ReLU activation
 * at the last position over all p^2 inputs is centred and 2-D Fourier transformed, {@code F = B G B^T} with G its
 * [p, p] grid over (a, b). For each frequency k the fraction of F's energy in the 3 x 3 block {const, cos k, sin k}^2
 * is the part explained by k; the neuron belongs to its best k when that fraction is at least {@link #THRESHOLD}.
 * The key frequencies are the frequencies with at least one such neuron.
 *
 * <p>k runs over all of 1..(p-1)/2. (The paper's code scans {@code range(1, p//2)}, which leaves out k = (p-1)/2;
 * that is an off-by-one, not a choice.)
 *
 * @param bestFrequency     per neuron, the k in 1..(p-1)/2 explaining most of its energy (first of ties)
 * @param fractionExplained per neuron, that fraction (0 for a neuron that never varies)
 * @param keyFrequencies    ascending frequencies with a neuron whose fraction is >= the threshold
 */
public record NeuronClusters(int[] bestFrequency, double[] fractionExplained, int[] keyFrequencies) {

    /** The paper's threshold for a neuron to belong to a frequency cluster. */
    public static final double THRESHOLD = 0.85;

    /**
     * @param mlpPost [p*p, dMlp] activations, row a*p + b
     */
    public static NeuronClusters compute(FourierBasis basis, float[] mlpPost, int dMlp, double threshold) {
        int p = basis.p();
        if (mlpPost.length != p * p * dMlp) {
            throw new IllegalArgumentException("activations must be [" + p * p + ", " + dMlp + "], got " + mlpPost.length + " values");
        }
        // centre each neuron over all p^2 inputs
        double[] g = new double[mlpPost.length];
        double[] mean = new double[dMlp];
        for (int r = 0; r < p * p; r++) for (int n = 0; n < dMlp; n++) mean[n] += mlpPost[r * dMlp + n];
        for (int n = 0; n < dMlp; n++) mean[n] /= (double) p * p;
        double[] total = new double[dMlp];
        for (int r = 0; r < p * p; r++) {
            for (int n = 0; n < dMlp; n++) {
                double v = mlpPost[r * dMlp + n] - mean[n];
                g[r * dMlp + n] = v;
                total[n] += v * v; // the basis is orthonormal: total energy of F equals that of G (Parseval)
            }
        }
        // t[i, b, n] = sum_a B[i, a] g[a, b, n]: transform over a, every (b, n) at once
        double[] t = basis.transform(g, p * dMlp);
        g = null;
        // f(i, j, n) = sum_b t[i, b, n] B[j, b]; only the entries of the 3x3 blocks are needed
        int freqs = basis.frequencies();
        double[][] blockEnergy = new double[freqs + 1][dMlp];
        double[] fij = new double[dMlp];
        for (int i = 0; i < p; i++) {
            int ki = FourierBasis.frequencyOf(i);
            for (int j = 0; j < p; j++) {
                int kj = FourierBasis.frequencyOf(j);
                // (i, j) lies in block k when each index is 0 or a component of k
                if (ki != 0 && kj != 0 && ki != kj) continue;
                Arrays.fill(fij, 0);
                for (int b = 0; b < p; b++) {
                    double w = basis.at(j, b);
                    int o = (i * p + b) * dMlp;
                    for (int n = 0; n < dMlp; n++) fij[n] += t[o + n] * w;
                }
                if (ki == 0 && kj == 0) {
                    for (int k = 1; k <= freqs; k++) addSquares(blockEnergy[k], fij);
                } else {
                    addSquares(blockEnergy[Math.max(ki, kj)], fij);
                }
            }
        }
        int[] best = new int[dMlp];
        double[] frac = new double[dMlp];
        TreeSet<Integer> key = new TreeSet<>();
        for (int n = 0; n < dMlp; n++) {
            int bestK = 1;
            double bestFrac = total[n] > 0 ? blockEnergy[1][n] / total[n] : 0;
            for (int k = 2; k <= freqs; k++) {
                double f = total[n] > 0 ? blockEnergy[k][n] / total[n] : 0;
                if (f > bestFrac) {
                    bestFrac = f;
                    bestK = k;
                }
            }
            best[n] = bestK;
            frac[n] = bestFrac;
            if (bestFrac >= threshold) key.add(bestK);
        }
        return new NeuronClusters(best, frac, key.stream().mapToInt(Integer::intValue).toArray());
    }

    private static void addSquares(double[] acc, double[] v) {
        for (int n = 0; n < v.length; n++) acc[n] += v[n] * v[n];
    }

    /** Number of neurons assigned to a key frequency. */
    public int clusteredNeurons(double threshold) {
        int c = 0;
        for (double f : fractionExplained) if (f >= threshold) c++;
        return c;
    }
}
