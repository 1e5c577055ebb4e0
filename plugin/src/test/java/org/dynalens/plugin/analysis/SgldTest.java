package org.dynalens.plugin.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dynalens.plugin.model.Djl;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The SGLD estimator of the local learning coefficient on losses whose coefficient is known: a regular quadratic
 * in d dimensions has lambda = d/2 (Lau et al. 2023 sec. 3; Watanabe's RLCT of a regular model); a quadratic that
 * only depends on k of the d coordinates (a degenerate minimum) has lambda = k/2.
 */
class SgldTest {

    /**
     * L(w) = 1/2 sum_i h_i w_i^2 at w* = 0. The tempered, localised posterior exp(-nB L - gamma/2 |w|^2) gives
     * nB E[L] = sum_i nB h_i / (2 (nB h_i + gamma)), which is d/2 up to gamma / (nB h) = 1%; the step size adds
     * a bias of about eps (nB h + gamma) / 4 = 2.5%. Tolerance 10%.
     */
    private static double llc(float[] h, long seed) {
        try (NDManager m = Djl.newManager()) {
            NDArray w = m.zeros(new Shape(h.length));
            w.setRequiresGradient(true);
            float[] half = new float[h.length];
            for (int i = 0; i < h.length; i++) half[i] = h[i] / 2;
            NDArray halfH = m.create(half);
            Sgld.Settings s = new Sgld.Settings(1e-3, 1, 100, 4, 2000, 100, seed);
            Sgld.Estimate e = Sgld.estimate(Map.of("w", w), (params, collector) -> {
                NDArray loss = params.get("w").square().mul(halfH).sum();
                collector.backward(loss);
                return loss.getFloat();
            }, s, m);
            assertArrayEquals(new float[h.length], w.toFloatArray(), "w* is restored");
            assertEquals(0, e.lossAtOptimum());
            return e.llc();
        }
    }

    @Test
    void regularQuadraticHasHalfItsDimension() {
        float[] h = new float[10];
        java.util.Arrays.fill(h, 1f);
        assertEquals(5.0, llc(h, 0), 0.5);
    }

    @Test
    void degenerateDirectionsDoNotCount() {
        float[] h = new float[10];
        for (int i = 0; i < 4; i++) h[i] = 1f; // only 4 of 10 directions change the loss
        assertEquals(2.0, llc(h, 1), 0.25);
    }

    @Test
    void sameSeedSameEstimate() {
        float[] h = {1, 2, 0.5f};
        assertEquals(llc(h, 7), llc(h, 7));
    }
}
