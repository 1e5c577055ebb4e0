package org.dynalens.plugin.trajectory;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** PCA through the Gram matrix on cases whose answer is known in closed form. */
class GramPcaTest {

    @Test
    void pointsOnALineHaveAllVarianceOnTheFirstComponent() {
        // x_i = a + t_i * v in 1000 dimensions: one component, projections = (t_i - mean t) * |v|
        int d = 1000;
        Random r = new Random(1);
        float[] a = new float[d], v = new float[d];
        double vv = 0;
        for (int j = 0; j < d; j++) {
            a[j] = (float) r.nextGaussian();
            v[j] = (float) r.nextGaussian();
            vv += (double) v[j] * v[j];
        }
        double[] t = {0, 1, 2, 3, 4, 5};
        float[][] pts = new float[t.length][d];
        for (int i = 0; i < t.length; i++) for (int j = 0; j < d; j++) pts[i][j] = (float) (a[j] + t[i] * v[j]);
        GramPca.Result pca = GramPca.fit(pts, 5);
        assertEquals(1.0, pca.explainedVarianceRatio()[0], 1e-6);
        for (int k = 1; k < pca.components(); k++) assertEquals(0, pca.explainedVarianceRatio()[k], 1e-6);
        double norm = Math.sqrt(vv);
        for (int i = 0; i < t.length; i++) assertEquals((t[i] - 2.5) * norm, pca.projections()[i][0], 1e-3 * norm);
    }

    @Test
    void anEllipseHasVarianceRatiosOfItsSquaredSemiAxes() {
        // points (3 cos th, 1 sin th) at 8 equally spaced angles, embedded in 5-D along two orthonormal directions:
        // variance along the axes is 9/2 and 1/2, so the ratios are 0.9 and 0.1; PC1 is the long axis
        int n = 8;
        double[] e1 = {0.6, 0.8, 0, 0, 0}, e2 = {0, 0, 0, 0, 1};
        float[][] pts = new float[n][5];
        for (int i = 0; i < n; i++) {
            double th = 2 * Math.PI * i / n;
            for (int j = 0; j < 5; j++) pts[i][j] = (float) (7 + 3 * Math.cos(th) * e1[j] + Math.sin(th) * e2[j]);
        }
        GramPca.Result pca = GramPca.fit(pts, 3);
        assertEquals(2, pca.components(), "a planar ellipse spans two components");
        assertEquals(0.9, pca.explainedVarianceRatio()[0], 1e-6);
        assertEquals(0.1, pca.explainedVarianceRatio()[1], 1e-6);
        for (int i = 0; i < n; i++) {
            double th = 2 * Math.PI * i / n;
            assertEquals(3 * Math.abs(Math.cos(th)), Math.abs(pca.projections()[i][0]), 1e-5);
            assertEquals(Math.abs(Math.sin(th)), Math.abs(pca.projections()[i][1]), 1e-5);
        }
        assertTrue(pca.projections()[n - 1][0] >= 0 && pca.projections()[n - 1][1] >= 0, "sign: last point non-negative");
        assertEquals(7, pca.mean()[4], 1e-6);
    }

    @Test
    void tooFewPointsOrRaggedRowsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> GramPca.fit(new float[][] {{1, 2}}, 2));
        assertThrows(IllegalArgumentException.class, () -> GramPca.fit(new float[][] {{1, 2}, {1}}, 2));
    }
}
