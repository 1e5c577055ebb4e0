package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.dynalens.plugin.model.Djl;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

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

    /**
     * The flat update (all parameters' moments in one buffer) gives bitwise the weights of the per-tensor form it
     * replaced, written out here op for op; and a state saved mid-way and loaded into a new optimiser continues
     * bitwise the same.
     */
    @Test
    void flatUpdateIsBitwiseThePerTensorUpdateAndResumes() {
        double lr = 3e-3, wd = 1.0, b1 = 0.9, b2 = 0.98, eps = 1e-8;
        int warmup = 3, steps = 8, saveAt = 5;
        int[][] shapes = {{4, 3}, {7}, {2, 3, 5}, {1}};
        try (NDManager nd = Djl.newManager()) {
            Map<String, NDArray> flat = params(nd, shapes, 1);
            Map<String, NDArray> perTensor = params(nd, shapes, 1);
            Map<String, NDArray> resumed = params(nd, shapes, 1);
            AdamW opt = new AdamW(lr, wd, b1, b2, eps, warmup);
            opt.initState(flat, nd);
            AdamW beforeSave = new AdamW(lr, wd, b1, b2, eps, warmup);
            beforeSave.initState(resumed, nd);
            Map<String, NDArray> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
            perTensor.forEach((k, w) -> {
                m.put(k, nd.zeros(w.getShape()));
                v.put(k, nd.zeros(w.getShape()));
            });
            AdamW afterLoad = null;
            for (int t = 0; t < steps; t++) {
                backward(nd, flat, t);
                opt.update(flat);

                backward(nd, perTensor, t);
                double lrNow = lr * Math.min((double) t / warmup, 1.0);
                int step = t + 1;
                float stepSize = (float) (lrNow / (1 - Math.pow(b1, step)));
                float sqrtBc2 = (float) Math.sqrt(1 - Math.pow(b2, step));
                for (Map.Entry<String, NDArray> e : perTensor.entrySet()) {
                    NDArray w = e.getValue();
                    NDArray g = w.getGradient();
                    NDArray mi = m.get(e.getKey()), vi = v.get(e.getKey());
                    w.muli((float) (1 - lrNow * wd));
                    mi.muli((float) b1).addi(g.mul((float) (1 - b1)));
                    vi.muli((float) b2).addi(g.square().muli((float) (1 - b2)));
                    NDArray denom = vi.sqrt().divi(sqrtBc2).addi((float) eps);
                    w.subi(mi.div(denom).muli(stepSize));
                    g.subi(g);
                }

                backward(nd, resumed, t);
                if (t < saveAt) {
                    beforeSave.update(resumed);
                } else {
                    if (afterLoad == null) {
                        afterLoad = new AdamW(lr, wd, b1, b2, eps, warmup);
                        afterLoad.load(beforeSave.state(resumed), resumed, nd);
                        afterLoad.initState(resumed, nd); // as RunSession does: keeps the loaded moments
                    }
                    afterLoad.update(resumed);
                }
                for (String k : flat.keySet()) {
                    assertArrayEquals(perTensor.get(k).toFloatArray(), flat.get(k).toFloatArray(), k + " after step " + step);
                    assertArrayEquals(flat.get(k).toFloatArray(), resumed.get(k).toFloatArray(), k + " resumed, step " + step);
                }
            }
            Map<String, org.dynalens.archive.Tensor> state = opt.state(flat);
            for (String k : flat.keySet()) {
                assertArrayEquals(m.get(k).toFloatArray(), state.get("m/" + k).floats(), "m/" + k);
                assertArrayEquals(v.get(k).toFloatArray(), state.get("v/" + k).floats(), "v/" + k);
            }
            assertThrows(IllegalArgumentException.class, () -> opt.update(Map.of("other", flat.values().iterator().next())));
        }
    }

    private static Map<String, NDArray> params(NDManager nd, int[][] shapes, long seed) {
        Random rng = new Random(seed);
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < shapes.length; i++) {
            int n = 1;
            for (int d : shapes[i]) n *= d;
            float[] x = new float[n];
            for (int j = 0; j < n; j++) x[j] = (float) rng.nextGaussian();
            long[] shape = java.util.Arrays.stream(shapes[i]).asLongStream().toArray();
            NDArray w = nd.create(x, new ai.djl.ndarray.types.Shape(shape));
            w.setRequiresGradient(true);
            out.put("p" + i, w);
        }
        return out;
    }

    /** Gradient of sum(w^3 * c_t) for a fixed pseudo-random c per step: different at every step and weight. */
    private static void backward(NDManager nd, Map<String, NDArray> params, int t) {
        try (GradientCollector c = Djl.engine().newGradientCollector()) {
            NDArray loss = null;
            int i = 0;
            for (NDArray w : params.values()) {
                Random rng = new Random(100L * t + i++);
                float[] coef = new float[(int) w.size()];
                for (int j = 0; j < coef.length; j++) coef[j] = (float) rng.nextGaussian();
                NDArray term = w.mul(w).mul(w).mul(nd.create(coef, w.getShape())).sum();
                loss = loss == null ? term : loss.add(term);
            }
            c.backward(loss);
        }
    }
}
