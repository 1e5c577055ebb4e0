package org.dynalens.plugin.analysis;

import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.task.ModularAddition;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The analyses' two hot loops are cache-blocked (ModularGrid's MLP and unembedding a block of inputs at a time,
 * FourierBasis.transform a block of columns at a time). Blocking must not change a single bit: every output is summed
 * in the same order as in the plain loops, which are kept here as the reference.
 */
class BlockedKernelsTest {

    @Test
    void blockedFourierTransformEqualsThePlainLoopBitwise() {
        int p = 13;
        FourierBasis basis = FourierBasis.of(p);
        for (int cols : new int[] {1, 7, 256, 257, 1000}) { // below, at and across the block size
            double[] m = random(p * cols, cols);
            double[] expected = new double[p * cols];
            for (int i = 0; i < p; i++) {
                for (int x = 0; x < p; x++) {
                    double b = basis.at(i, x);
                    for (int c = 0; c < cols; c++) expected[i * cols + c] += b * m[x * cols + c];
                }
            }
            assertArrayEquals(expected, basis.transform(m, cols), 0.0, "cols " + cols);
        }
    }

    @Test
    void blockedGridForwardPassEqualsThePlainLoopBitwise() {
        int p = 11, dModel = 16, heads = 2, dHead = 8, dMlp = 24; // p^2 = 121 inputs: 15 full blocks of 8 and 1 row
        ModularAddition task = new ModularAddition(p);
        ModelConfig cfg = new ModelConfig(1, dModel, heads, dHead, dMlp, p + 1, p, 3);
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("embed.W_E", tensor(1, p + 1, dModel));
        w.put("pos_embed.W_pos", tensor(2, 3, dModel));
        w.put("blocks.0.attn.W_Q", tensor(3, heads, dModel, dHead));
        w.put("blocks.0.attn.W_K", tensor(4, heads, dModel, dHead));
        w.put("blocks.0.attn.W_V", tensor(5, heads, dModel, dHead));
        w.put("blocks.0.attn.W_O", tensor(6, heads, dHead, dModel));
        w.put("blocks.0.mlp.W_in", tensor(7, dModel, dMlp));
        w.put("blocks.0.mlp.b_in", tensor(8, dMlp));
        w.put("blocks.0.mlp.W_out", tensor(9, dMlp, dModel));
        w.put("blocks.0.mlp.b_out", tensor(10, dModel));
        w.put("unembed.W_U", tensor(11, dModel, p));
        ModularGrid grid = ModularGrid.compute(task, cfg, w);

        // the plain per-input loops, from the residual after attention (which blocking does not touch)
        double[] mid = residualAfterAttention(task, cfg, w);
        double[] wIn = w.get("blocks.0.mlp.W_in").doubles(), bIn = w.get("blocks.0.mlp.b_in").doubles();
        double[] wOut = w.get("blocks.0.mlp.W_out").doubles(), bOut = w.get("blocks.0.mlp.b_out").doubles();
        double[] wU = w.get("unembed.W_U").doubles();
        int n = p * p;
        float[] post = new float[n * dMlp];
        double[] logits = new double[n * p];
        for (int row = 0; row < n; row++) {
            double[] hidden = bIn.clone(), out = new double[dModel];
            for (int d = 0; d < dModel; d++) for (int m = 0; m < dMlp; m++) hidden[m] += mid[row * dModel + d] * wIn[d * dMlp + m];
            for (int d = 0; d < dModel; d++) out[d] = mid[row * dModel + d] + bOut[d];
            for (int m = 0; m < dMlp; m++) {
                double hm = Math.max(hidden[m], 0);
                post[row * dMlp + m] = (float) hm;
                if (hm == 0) continue;
                for (int d = 0; d < dModel; d++) out[d] += hm * wOut[m * dModel + d];
            }
            for (int d = 0; d < dModel; d++) for (int c = 0; c < p; c++) logits[row * p + c] += out[d] * wU[d * p + c];
        }
        assertArrayEquals(post, grid.mlpPost(), 0f);
        assertArrayEquals(logits, grid.logits(), 0.0);
    }

    /** The last position's residual after attention for every input, written out plainly (softmax over 3 keys). */
    private static double[] residualAfterAttention(ModularAddition task, ModelConfig cfg, Map<String, Tensor> w) {
        int p = task.p(), dModel = cfg.dModel(), heads = cfg.nHeads(), dHead = cfg.dHead();
        double[] wE = w.get("embed.W_E").doubles(), wPos = w.get("pos_embed.W_pos").doubles();
        double[] wQ = w.get("blocks.0.attn.W_Q").doubles(), wK = w.get("blocks.0.attn.W_K").doubles();
        double[] wV = w.get("blocks.0.attn.W_V").doubles(), wO = w.get("blocks.0.attn.W_O").doubles();
        double[] mid = new double[p * p * dModel];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                int[] tok = {a, b, task.equalsToken()};
                double[][] x = new double[3][dModel];
                for (int i = 0; i < 3; i++) for (int d = 0; d < dModel; d++) x[i][d] = wE[tok[i] * dModel + d] + wPos[i * dModel + d];
                double[] res = x[2].clone();
                for (int h = 0; h < heads; h++) {
                    double[][] k = new double[3][dHead], v = new double[3][dHead];
                    double[] q = new double[dHead];
                    for (int i = 0; i < 3; i++) {
                        for (int d = 0; d < dModel; d++) {
                            for (int e = 0; e < dHead; e++) {
                                k[i][e] += x[i][d] * wK[(h * dModel + d) * dHead + e];
                                v[i][e] += x[i][d] * wV[(h * dModel + d) * dHead + e];
                                if (i == 2) q[e] += x[2][d] * wQ[(h * dModel + d) * dHead + e];
                            }
                        }
                    }
                    double[] s = new double[3];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int i = 0; i < 3; i++) {
                        for (int e = 0; e < dHead; e++) s[i] += q[e] * k[i][e];
                        s[i] *= 1 / Math.sqrt(dHead);
                        max = Math.max(max, s[i]);
                    }
                    for (int i = 0; i < 3; i++) sum += s[i] = Math.exp(s[i] - max);
                    for (int e = 0; e < dHead; e++) {
                        double z = 0;
                        for (int i = 0; i < 3; i++) z += s[i] / sum * v[i][e];
                        for (int d = 0; d < dModel; d++) res[d] += z * wO[(h * dHead + e) * dModel + d];
                    }
                }
                System.arraycopy(res, 0, mid, (a * p + b) * dModel, dModel);
            }
        }
        return mid;
    }

    private static double[] random(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.nextGaussian();
        return v;
    }

    private static Tensor tensor(long seed, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        SplittableRandom rng = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (rng.nextGaussian() * 0.5);
        return Tensor.of(f, shape);
    }
}
