package org.dynalens.plugin.analysis;

/**
 * The orthonormal Fourier basis over Z_p of Nanda et al. 2023 (sec. 4 and their {@code fourier_basis}): row 0 is the
 * constant 1/sqrt(p), row 2k-1 is sqrt(2/p) cos(2 pi k x / p) and row 2k is sqrt(2/p) sin(2 pi k x / p), for
 * k = 1..(p-1)/2. For odd p these p rows are an orthonormal basis of R^p, so a transform keeps norms (Parseval).
 */
public final class FourierBasis {

    private final int p;
    /** [p][p]: rows are basis vectors, columns are x = 0..p-1. */
    private final double[][] rows;

    private FourierBasis(int p) {
        this.p = p;
        this.rows = new double[p][p];
        for (int x = 0; x < p; x++) rows[0][x] = 1 / Math.sqrt(p);
        double scale = Math.sqrt(2.0 / p);
        for (int k = 1; k <= frequencies(); k++) {
            for (int x = 0; x < p; x++) {
                // k * x mod p keeps the angle small, so cos/sin are exact to the last bit for every k
                double angle = 2 * Math.PI * ((long) k * x % p) / p;
                rows[cosIndex(k)][x] = scale * Math.cos(angle);
                rows[sinIndex(k)][x] = scale * Math.sin(angle);
            }
        }
    }

    /** The basis over Z_p; p must be odd (for even p the cos/sin rows do not make an orthonormal basis). */
    public static FourierBasis of(int p) {
        if (p < 3 || p % 2 == 0) throw new IllegalArgumentException("the Fourier basis needs an odd p >= 3, got " + p);
        return new FourierBasis(p);
    }

    public int p() {
        return p;
    }

    /** Number of non-constant frequencies, (p-1)/2. */
    public int frequencies() {
        return (p - 1) / 2;
    }

    public static int cosIndex(int k) {
        return 2 * k - 1;
    }

    public static int sinIndex(int k) {
        return 2 * k;
    }

    /** The frequency of basis row {@code i} (0 for the constant). */
    public static int frequencyOf(int i) {
        return (i + 1) / 2;
    }

    /** Value of basis vector {@code i} at {@code x}. */
    public double at(int i, int x) {
        return rows[i][x];
    }

    /** A copy of basis vector {@code i}. */
    public double[] vector(int i) {
        return rows[i].clone();
    }

    /** Columns per block of {@link #transform}: a [p, 256] slice of doubles (231 KB at p = 113) stays in L2. */
    private static final int TRANSFORM_BLOCK = 256;

    /**
     * {@code B @ M} for a row-major matrix {@code m} of shape [p, cols]: the Fourier transform of each column. Done a
     * block of columns at a time so each slice of {@code m} is read from cache p times instead of from memory; every
     * output is still summed over x in ascending order, so the result does not depend on the block size.
     */
    public double[] transform(double[] m, int cols) {
        if (m.length != p * cols) throw new IllegalArgumentException("matrix must be [" + p + ", " + cols + "]");
        double[] out = new double[p * cols];
        for (int c0 = 0; c0 < cols; c0 += TRANSFORM_BLOCK) {
            int c1 = Math.min(cols, c0 + TRANSFORM_BLOCK);
            for (int i = 0; i < p; i++) {
                double[] row = rows[i];
                int o = i * cols;
                for (int x = 0; x < p; x++) {
                    double b = row[x];
                    int in = x * cols;
                    for (int c = c0; c < c1; c++) out[o + c] += b * m[in + c];
                }
            }
        }
        return out;
    }

    /**
     * The norm of each Fourier component of a [p, cols] matrix: row i of {@code B @ M} ("fourier_embed.norm(dim=-1)"
     * in Nanda et al.'s code), [p], ordered const, cos 1, sin 1, cos 2, ...
     */
    public double[] componentNorms(double[] m, int cols) {
        double[] f = transform(m, cols);
        double[] norms = new double[p];
        for (int i = 0; i < p; i++) {
            double s = 0;
            for (int c = 0; c < cols; c++) s += f[i * cols + c] * f[i * cols + c];
            norms[i] = Math.sqrt(s);
        }
        return norms;
    }

    /** Per frequency k = 1..(p-1)/2: sqrt(|cos k|^2 + |sin k|^2) from {@link #componentNorms}, [(p-1)/2]. */
    public static double[] frequencyNorms(double[] componentNorms) {
        double[] out = new double[(componentNorms.length - 1) / 2];
        for (int k = 1; k <= out.length; k++) {
            double c = componentNorms[cosIndex(k)], s = componentNorms[sinIndex(k)];
            out[k - 1] = Math.sqrt(c * c + s * s);
        }
        return out;
    }
}
