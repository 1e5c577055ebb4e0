package org.dynalens.plugin.analysis.heads;

import ai.djl.ndarray.NDManager;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Composition scores of hand-built rank-1 heads whose products are known, and the Gram shortcut checked. */
class CompositionScoreMeasureTest {

    private static final int Q = 0, K = 1, V = 2;

    /** 2 layers x 3 heads, d_model 4, d_head 1: every head's Q, K, V, O is one vector. */
    private static ModelConfig config(boolean layerNorm) {
        return new ModelConfig(2, 4, 3, 1, 1, 4, 4, 4, true, layerNorm);
    }

    private static double[] e(int i) {
        double[] v = new double[4];
        v[i] = 1;
        return v;
    }

    /**
     * Head vectors {q, k, v, o} per [layer][head]. Layer 0, head 0 reads dimension 0 and writes dimension 1
     * ({@code OV = e0 e1^T}); the other early heads write dimension 3, which no later head reads.
     */
    private static Map<String, Tensor> params(double[][][][] heads) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        for (int l = 0; l < 2; l++) {
            String[] names = {"W_Q", "W_K", "W_V", "W_O"};
            for (int m = 0; m < 4; m++) {
                double[] w = new double[3 * 4];
                for (int h = 0; h < 3; h++) System.arraycopy(heads[l][h][m], 0, w, h * 4, 4);
                p.put("blocks." + l + ".attn." + names[m], m == 3 ? Tensor.of(w, 3, 1, 4) : Tensor.of(w, 3, 4, 1));
            }
            p.put("blocks." + l + ".ln1.w", Tensor.of(new double[] {1, 1, 1, 1}, 4));
        }
        return p;
    }

    private static final double[] E1_PLUS_E2 = {0, 1, 1, 0};

    private static double[][][][] circuit() {
        double[][] writer = {e(2), e(2), e(0), e(1)};   // q, k, v, o: OV = e0 e1^T
        double[][] other = {e(2), e(2), e(2), e(3)};    // OV = e2 e3^T
        double[][] keyReader = {e(2), e(1), e(2), e(0)};       // QK^T = e1 e2^T: reads dim 1 in its keys
        double[][] queryReader = {e(1), e(2), e(1), e(0)};     // reads dim 1 in its queries and values
        double[][] halfKeyReader = {e(2), E1_PLUS_E2, e(2), e(0)}; // keys read dim 1 and dim 2 equally
        return new double[][][][] {{writer, other, other}, {keyReader, queryReader, halfKeyReader}};
    }

    @Test
    void knownProductsGiveKnownScores() {
        double[][][][][] s = CompositionScoreMeasure.scores(config(false), params(circuit()));
        assertEquals(1.0, s[K][0][0][1][0], 1e-12, "keys read exactly what L0H0 writes");
        assertEquals(0.0, s[Q][0][0][1][0], 1e-12, "its queries read dim 2, which nothing writes");
        assertEquals(0.0, s[V][0][0][1][0], 1e-12);
        assertEquals(1.0, s[Q][0][0][1][1], 1e-12, "queries read what L0H0 writes");
        assertEquals(1.0, s[V][0][0][1][1], 1e-12, "and so do its values");
        assertEquals(0.0, s[K][0][0][1][1], 1e-12);
        // OV QK^T = e0 e1^T (e1 + e2) e2^T = e0 e2^T, norm 1; ||QK|| = ||e2|| ||e1 + e2|| = sqrt 2
        assertEquals(1 / Math.sqrt(2), s[K][0][0][1][2], 1e-12);
        for (int kind = 0; kind < 3; kind++) {
            for (int h = 0; h < 3; h++) {
                assertEquals(0.0, s[kind][0][1][1][h], 1e-12, "L0H1 writes dim 3, read by nobody");
                for (int l = 0; l < 2; l++) for (int h0 = 0; h0 < 3; h0++) {
                    assertEquals(0.0, s[kind][1][h0][l][h], "only earlier-to-later pairs are scored");
                }
            }
        }
    }

    /** TransformerLens's fold_ln: the reading layer's LayerNorm weight scales the rows of its W_Q, W_K, W_V. */
    @Test
    void layerNormWeightIsFoldedIntoTheReader() {
        Map<String, Tensor> p = params(circuit());
        p.put("blocks.1.ln1.w", Tensor.of(new double[] {1, 3, 1, 1}, 4));
        double[][][][][] s = CompositionScoreMeasure.scores(config(true), p);
        // keys (3 e1 + e2): OV QK^T = 3 e0 e2^T, ||QK|| = sqrt(10)
        assertEquals(3 / Math.sqrt(10), s[K][0][0][1][2], 1e-12);
        assertEquals(1.0, s[K][0][0][1][0], 1e-12, "a pure rescaling does not change a score");
        double[][][][][] ignored = CompositionScoreMeasure.scores(config(false), p);
        assertEquals(1 / Math.sqrt(2), ignored[K][0][0][1][2], 1e-12, "without LayerNorm the weight is not used");
    }

    /** The d_head x d_head Gram shortcut equals the norms of the full [d_model, d_model] products. */
    @Test
    void gramShortcutMatchesFullProducts() {
        ModelConfig cfg = new ModelConfig(2, 6, 2, 3, 1, 5, 5, 4, true, false);
        Random rng = new Random(11);
        Map<String, Tensor> p = new LinkedHashMap<>();
        for (int l = 0; l < 2; l++) {
            for (String w : new String[] {"W_Q", "W_K", "W_V"}) {
                p.put("blocks." + l + ".attn." + w, Tensor.of(gaussian(rng, 36), 2, 6, 3));
            }
            p.put("blocks." + l + ".attn.W_O", Tensor.of(gaussian(rng, 36), 2, 3, 6));
        }
        double[][][][][] s = CompositionScoreMeasure.scores(cfg, p);
        for (int h0 = 0; h0 < 2; h0++) {
            double[][] ov = mul(head(p, 0, "W_V", h0, 6, 3), head(p, 0, "W_O", h0, 3, 6));
            for (int h = 0; h < 2; h++) {
                double[][] qk = mul(head(p, 1, "W_Q", h, 6, 3), transpose(head(p, 1, "W_K", h, 6, 3)));
                double[][] ov1 = mul(head(p, 1, "W_V", h, 6, 3), head(p, 1, "W_O", h, 3, 6));
                assertEquals(norm(mul(ov, qk)) / (norm(ov) * norm(qk)), s[Q][0][h0][1][h], 1e-12);
                assertEquals(norm(mul(ov, transpose(qk))) / (norm(ov) * norm(qk)), s[K][0][h0][1][h], 1e-12);
                assertEquals(norm(mul(ov, ov1)) / (norm(ov) * norm(ov1)), s[V][0][h0][1][h], 1e-12);
            }
        }
    }

    /**
     * An untrained model's heads are unrelated: their K-composition scores average to the random baseline, and a
     * trained induction circuit (above) scores far above it.
     */
    @Test
    void untrainedModelScoresAtTheRandomBaseline() {
        ModelConfig cfg = new ModelConfig(2, 64, 4, 16, 1, 32, 32, 16, true, true);
        double baseline = CompositionScoreMeasure.randomBaseline(64, 16, 1);
        assertEquals(baseline, CompositionScoreMeasure.randomBaseline(64, 16, 1), "seeded: the same every time");
        assertTrue(baseline > 0.05 && baseline < 0.5, "unrelated rank-16 circuits in 64 dimensions: " + baseline);
        try (NDManager manager = Djl.newManager(); Transformer model = Transformer.initialise(cfg, 5, manager)) {
            CheckpointMeasure.Measurements m = new CompositionScoreMeasure(cfg).measure(model, manager);
            Tensor t = m.tensors().get("composition_score");
            assertArrayEquals(new int[] {3, 2, 4, 2, 4}, t.shape());
            double sum = 0;
            for (int h0 = 0; h0 < 4; h0++) for (int h = 0; h < 4; h++) sum += t.doubleAt(((K * 2) * 4 + h0) * 8 + 4 + h);
            assertEquals(baseline, sum / 16, 0.15 * baseline, "mean K-composition of an untrained model");
            assertEquals(baseline, m.metrics().get("composition_score_random"));
            for (String kind : new String[] {"q", "k", "v"}) {
                for (int h = 0; h < 4; h++) assertTrue(m.metrics().containsKey(kind + "_composition_L1H" + h));
                assertFalse(m.metrics().containsKey(kind + "_composition_L0H0"), "layer 0 reads no earlier head");
            }
        }
    }

    @Test
    void oneLayerModelHasNoScores() {
        ModelConfig cfg = new ModelConfig(1, 8, 2, 4, 1, 6, 6, 8, true, false);
        try (NDManager manager = Djl.newManager(); Transformer model = Transformer.initialise(cfg, 1, manager)) {
            CheckpointMeasure.Measurements m = new CompositionScoreMeasure(cfg).measure(model, manager);
            assertTrue(m.metrics().isEmpty(), m.metrics().toString());
            assertArrayEquals(new int[] {3, 1, 2, 1, 2}, m.tensors().get("composition_score").shape());
        }
    }

    private static double[][] head(Map<String, Tensor> p, int layer, String name, int h, int rows, int cols) {
        Tensor t = p.get("blocks." + layer + ".attn." + name);
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) m[i][j] = t.doubleAt(h * rows * cols + i * cols + j);
        return m;
    }

    private static double[][] mul(double[][] a, double[][] b) {
        return CopyingScoreMeasure.multiply(a, b);
    }

    private static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m[0].length; j++) t[j][i] = m[i][j];
        return t;
    }

    private static double norm(double[][] m) {
        double s = 0;
        for (double[] row : m) for (double x : row) s += x * x;
        return Math.sqrt(s);
    }

    private static float[] gaussian(Random rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return v;
    }
}
