package org.dynalens.plugin.trajectory;

import org.tribuo.math.la.DenseMatrix;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * PCA of a few points in a very high-dimensional space (checkpoints of a model: n of them, d = hundreds of thousands
 * of parameters) through the n x n Gram matrix instead of the d x d covariance. With X the centred n x d data,
 * {@code G = X X^T = U S U^T}; the principal directions are {@code v_k = X^T u_k / sqrt(s_k)}, so the projection of
 * point i on PC k is {@code (X v_k)_i = sqrt(s_k) u_ik} and the variance along PC k is {@code s_k / n}. Explained
 * variance ratios are {@code s_k / sum(s)}. The symmetric eigendecomposition is Tribuo's (tribuo-math, already a
 * dependency).
 *
 * <p>Signs of eigenvectors are arbitrary; each component is flipped so that the last point's projection is
 * non-negative (ties: the first non-zero), making plots of the same trajectory comparable between calls.
 */
public final class GramPca {

    /**
     * @param explainedVarianceRatio per component, descending, summing to 1 over all non-zero components
     * @param projections            {@code projections[i][k]}: point i on component k (k < components)
     * @param mean                   the centre that was subtracted (length d)
     */
    public record Result(double[] explainedVarianceRatio, double[][] projections, double[] mean) {
        public int components() {
            return explainedVarianceRatio.length;
        }

        /** Projections of every point on component k. */
        public double[] component(int k) {
            double[] out = new double[projections.length];
            for (int i = 0; i < out.length; i++) out[i] = projections[i][k];
            return out;
        }
    }

    private GramPca() {
    }

    /** PCA of the rows of {@code points} (n rows of equal length d), keeping at most {@code maxComponents}. */
    public static Result fit(float[][] points, int maxComponents) {
        int n = points.length;
        if (n < 2) throw new IllegalArgumentException("PCA needs at least 2 points, got " + n);
        int d = points[0].length;
        for (float[] p : points) {
            if (p.length != d) throw new IllegalArgumentException("points differ in dimension: " + p.length + " vs " + d);
        }
        double[] mean = new double[d];
        for (float[] p : points) for (int j = 0; j < d; j++) mean[j] += p[j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        // centred rows in double: the Gram entries are sums over d terms, float would lose the small components
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] r = new double[d];
            for (int j = 0; j < d; j++) r[j] = points[i][j] - mean[j];
            x[i] = r;
        }
        double[][] gram = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = i; k < n; k++) {
                double s = 0;
                double[] a = x[i], b = x[k];
                for (int j = 0; j < d; j++) s += a[j] * b[j];
                gram[i][k] = s;
                gram[k][i] = s;
            }
        }
        return fromGram(gram, maxComponents, mean);
    }

    /** PCA from the Gram matrix of already centred points. */
    static Result fromGram(double[][] gram, int maxComponents, double[] mean) {
        int n = gram.length;
        DenseMatrix.EigenDecomposition eig = DenseMatrix.createDenseMatrix(gram).eigenDecomposition()
                .orElseThrow(() -> new IllegalStateException("eigendecomposition of the Gram matrix failed"));
        double[] values = new double[n];
        for (int i = 0; i < n; i++) values[i] = Math.max(0, eig.eigenvalues().get(i)); // tiny negatives are round-off
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -values[i]));
        double total = Arrays.stream(values).sum();
        double top = values[order[0]];
        int kept = 0;
        // components with (numerically) zero variance carry no direction; n points span at most n - 1 of them
        while (kept < Math.min(maxComponents, n - 1) && values[order[kept]] > 1e-12 * Math.max(top, 1e-300)) kept++;
        double[] ratio = new double[kept];
        double[][] proj = new double[n][kept];
        for (int k = 0; k < kept; k++) {
            int c = order[k];
            ratio[k] = total > 0 ? values[c] / total : 0;
            double scale = Math.sqrt(values[c]);
            double[] u = new double[n];
            for (int i = 0; i < n; i++) u[i] = eig.eigenvectors().get(i, c);
            double sign = 1;
            for (int i = n - 1; i >= 0; i--) {
                if (Math.abs(u[i]) > 1e-12) {
                    sign = Math.signum(u[i]);
                    break;
                }
            }
            for (int i = 0; i < n; i++) proj[i][k] = sign * scale * u[i];
        }
        return new Result(ratio, proj, mean);
    }
}
