package org.dynalens.plugin.analysis.compare;

/**
 * Linear centred kernel alignment (Kornblith et al. 2019; ANCHORS.md section 3) between two representations of the
 * same n inputs: X [n, dx] and Y [n, dy], columns centred, CKA = ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F).
 * 1 for representations equal up to rotation and isotropic scaling, near 0 for unrelated ones. Computed with the
 * d x d Gram form, O(n d^2), in double precision.
 */
public final class LinearCka {

    private LinearCka() {
    }

    /**
     * @param x row-major [n, dx]
     * @param y row-major [n, dy]
     * @return CKA in [0, 1], or NaN when either representation is constant over the inputs
     */
    public static double of(float[] x, int dx, float[] y, int dy) {
        if (dx <= 0 || dy <= 0 || x.length % dx != 0 || y.length % dy != 0 || x.length / dx != y.length / dy) {
            throw new IllegalArgumentException("X and Y must hold the same number of rows");
        }
        int n = x.length / dx;
        double[] xc = centred(x, n, dx);
        double[] yc = centred(y, n, dy);
        double cross = frobeniusSquared(crossProduct(yc, dy, xc, dx, n));
        double xx = Math.sqrt(frobeniusSquared(crossProduct(xc, dx, xc, dx, n)));
        double yy = Math.sqrt(frobeniusSquared(crossProduct(yc, dy, yc, dy, n)));
        if (xx == 0 || yy == 0) return Double.NaN;
        return cross / (xx * yy);
    }

    private static double[] centred(float[] a, int n, int d) {
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[j] += a[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        double[] out = new double[a.length];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) out[i * d + j] = a[i * d + j] - mean[j];
        return out;
    }

    /** A^T B for A [n, da], B [n, db]: [da, db]. */
    private static double[] crossProduct(double[] a, int da, double[] b, int db, int n) {
        double[] out = new double[da * db];
        for (int r = 0; r < n; r++) {
            int ra = r * da;
            int rb = r * db;
            for (int i = 0; i < da; i++) {
                double ai = a[ra + i];
                if (ai == 0) continue;
                int o = i * db;
                for (int j = 0; j < db; j++) out[o + j] += ai * b[rb + j];
            }
        }
        return out;
    }

    private static double frobeniusSquared(double[] m) {
        double s = 0;
        for (double v : m) s += v * v;
        return s;
    }
}
