package org.dynalens.plugin.analysis.compare;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearCkaTest {

    private static final Random RNG = new Random(7);

    @Test
    void oneForTheSameRepresentationUpToRotationScaleAndShift() {
        float[] x = random(200, 5);
        // rotate two coordinates by 30 degrees, scale by 3, shift by 10: linear CKA must not notice
        float[] y = new float[x.length];
        double c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
        for (int i = 0; i < 200; i++) {
            for (int j = 0; j < 5; j++) y[i * 5 + j] = x[i * 5 + j];
            y[i * 5] = (float) (c * x[i * 5] - s * x[i * 5 + 1]);
            y[i * 5 + 1] = (float) (s * x[i * 5] + c * x[i * 5 + 1]);
            for (int j = 0; j < 5; j++) y[i * 5 + j] = 3 * y[i * 5 + j] + 10;
        }
        assertEquals(1.0, LinearCka.of(x, 5, x, 5), 1e-9);
        assertEquals(1.0, LinearCka.of(x, 5, y, 5), 1e-5);
    }

    @Test
    void nearZeroForIndependentRepresentations() {
        double cka = LinearCka.of(random(5000, 4), 4, random(5000, 3), 3);
        assertTrue(cka >= 0 && cka < 0.01, "independent noise: " + cka);
    }

    @Test
    void matchesTheFormulaOnASmallExample() {
        // X = [[1,0],[0,1],[1,1],[0,0]], Y = X[:, :1]; centred: X^T X = [[1,0],[0,1]], Y^T X = [1, 0], Y^T Y = [1]
        float[] x = {1, 0, 0, 1, 1, 1, 0, 0};
        float[] y = {1, 0, 1, 0};
        assertEquals(1.0 / Math.sqrt(2), LinearCka.of(x, 2, y, 1), 1e-12);
    }

    @Test
    void constantRepresentationIsNaN() {
        assertTrue(Double.isNaN(LinearCka.of(new float[] {1, 1, 1}, 1, new float[] {1, 2, 3}, 1)));
    }

    private static float[] random(int n, int d) {
        float[] out = new float[n * d];
        for (int i = 0; i < out.length; i++) out[i] = (float) RNG.nextGaussian();
        return out;
    }
}
