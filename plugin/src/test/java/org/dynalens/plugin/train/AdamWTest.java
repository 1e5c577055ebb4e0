package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.dynalens.plugin.model.Djl;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** AdamW against torch.optim.AdamW's update rule written out in double precision. */
class AdamWTest {

    @Test
    void updatesMatchTorchAdamWRuleWithWarmup() {
        double lr = 1e-2, wd = 0.5, b1 = 0.9, b2 = 0.98, eps = 1e-8;
        int warmup = 2;
        float[] w0 = {0.5f, -1.5f, 2f};
        float[][] grads = {{0.1f, -0.2f, 0.3f}, {1f, 0.5f, -0.25f}, {-0.4f, 0.2f, 0.05f}, {0.3f, 0.3f, 0.3f}};
        try (NDManager m = Djl.newManager()) {
            NDArray w = m.create(w0);
            w.setRequiresGradient(true);
            AdamW opt = new AdamW(lr, wd, b1, b2, eps, warmup);
            opt.initState(Map.of("w", w), m);

            double[] ref = {w0[0], w0[1], w0[2]};
            double[] mm = new double[3], vv = new double[3];
            for (int t = 0; t < grads.length; t++) {
                try (GradientCollector c = Djl.engine().newGradientCollector()) {
                    c.backward(w.mul(m.create(grads[t])).sum()); // gradient = grads[t] exactly
                }
                opt.update(Map.of("w", w));

                double lrT = lr * Math.min((double) t / warmup, 1.0);
                int step = t + 1;
                for (int i = 0; i < 3; i++) {
                    double g = grads[t][i];
                    ref[i] *= 1 - lrT * wd;
                    mm[i] = b1 * mm[i] + (1 - b1) * g;
                    vv[i] = b2 * vv[i] + (1 - b2) * g * g;
                    double denom = Math.sqrt(vv[i]) / Math.sqrt(1 - Math.pow(b2, step)) + eps;
                    ref[i] -= lrT / (1 - Math.pow(b1, step)) * mm[i] / denom;
                }
                float[] got = w.toFloatArray();
                for (int i = 0; i < 3; i++) assertEquals(ref[i], got[i], 1e-6, "step " + step + " element " + i);
                try (NDArray g = w.getGradient()) {
                    assertArrayEquals(new float[3], g.toFloatArray(), "gradient is zeroed after the update");
                }
            }
            assertEquals(4, opt.step());
            // warm-up: the first update used lr 0, so only the moments moved
        }
    }
}
