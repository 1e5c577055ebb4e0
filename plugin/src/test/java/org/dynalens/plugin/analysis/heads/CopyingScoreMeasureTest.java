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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Copying scores of hand-built OV circuits whose eigenvalues are known, and the small-matrix shortcut checked. */
class CopyingScoreMeasureTest {

    /** 2 layers x 2 heads, d_model = vocab = 4, d_head 2, attention-only. */
    private static final ModelConfig CFG = new ModelConfig(2, 4, 2, 2, 1, 4, 4, 4, true, false);

    /**
     * W_E = W_U = I, W_V[h] = [e1 e2] (reads the first two dimensions), W_O[h] = the given 2x2 block written back
     * into those dimensions: the OV circuit is that block (plus zeros), so its eigenvalues are the block's.
     */
    private static Map<String, Tensor> circuit(double[][]... blocks) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("embed.W_E", Tensor.of(identity(4), 4, 4));
        p.put("unembed.W_U", Tensor.of(identity(4), 4, 4));
        p.put("pos_embed.W_pos", Tensor.of(new float[16], 4, 4));
        for (int l = 0; l < 2; l++) {
            float[] wV = new float[2 * 4 * 2], wO = new float[2 * 2 * 4], zero = new float[2 * 4 * 2];
            for (int h = 0; h < 2; h++) {
                double[][] b = blocks[l * 2 + h];
                for (int k = 0; k < 2; k++) wV[(h * 4 + k) * 2 + k] = 1;
                for (int i = 0; i < 2; i++) for (int k = 0; k < 2; k++) wO[(h * 2 + i) * 4 + k] = (float) b[i][k];
            }
            p.put("blocks." + l + ".attn.W_Q", Tensor.of(zero, 2, 4, 2));
            p.put("blocks." + l + ".attn.W_K", Tensor.of(zero, 2, 4, 2));
            p.put("blocks." + l + ".attn.W_V", Tensor.of(wV, 2, 4, 2));
            p.put("blocks." + l + ".attn.W_O", Tensor.of(wO, 2, 2, 4));
        }
        return p;
    }

    private static float[] identity(int n) {
        float[] v = new float[n * n];
        for (int i = 0; i < n; i++) v[i * n + i] = 1;
        return v;
    }

    private static final double[][] COPY = {{1, 0}, {0, 1}};          // eigenvalues 1, 1
    private static final double[][] SUPPRESS = {{-1, 0}, {0, -1}};    // -1, -1
    private static final double[][] ROTATE = {{0, 1}, {-1, 0}};       // +i, -i
    private static final double[][] MIXED = {{2, 0}, {0, -1}};        // 2, -1

    @Test
    void knownEigenvaluesGiveKnownScores() {
        double[] s = CopyingScoreMeasure.scores(CFG, circuit(COPY, SUPPRESS, ROTATE, MIXED));
        assertEquals(1.0, s[0], 1e-12, "identity-like OV copies");
        assertEquals(-1.0, s[1], 1e-12, "negated OV suppresses");
        assertEquals(0.0, s[2], 1e-12, "a rotation: eigenvalues +-i sum to 0");
        assertEquals((2.0 - 1.0) / (2.0 + 1.0), s[3], 1e-12);
    }

    @Test
    void copyingScoreOfMatricesDirectly() {
        assertEquals(1.0, CopyingScoreMeasure.copyingScore(new double[][] {{3, 1}, {0, 0.5}}), 1e-12, "triangular: 3, 0.5");
        assertEquals(-1.0 / 3, CopyingScoreMeasure.copyingScore(new double[][] {{1, 0}, {0, -2}}), 1e-12);
        assertTrue(Double.isNaN(CopyingScoreMeasure.copyingScore(new double[][] {{0, 1}, {0, 0}})), "nilpotent: all zero");
    }

    /** The d_head x d_head shortcut equals the eigenvalue sums of the full [vocab, vocab] OV circuit. */
    @Test
    void smallProductMatchesTheFullCircuit() {
        ModelConfig cfg = new ModelConfig(1, 5, 2, 3, 1, 7, 7, 4, true, false);
        Random rng = new Random(7);
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("embed.W_E", Tensor.of(gaussian(rng, 7 * 5), 7, 5));
        p.put("unembed.W_U", Tensor.of(gaussian(rng, 5 * 7), 5, 7));
        p.put("blocks.0.attn.W_V", Tensor.of(gaussian(rng, 2 * 5 * 3), 2, 5, 3));
        p.put("blocks.0.attn.W_O", Tensor.of(gaussian(rng, 2 * 3 * 5), 2, 3, 5));
        double[] fast = CopyingScoreMeasure.scores(cfg, p);
        for (int h = 0; h < 2; h++) {
            double[][] full = CopyingScoreMeasure.multiply(CopyingScoreMeasure.multiply(CopyingScoreMeasure.multiply(
                    matrix(p.get("embed.W_E"), 0, 7, 5), matrix(p.get("blocks.0.attn.W_V"), h * 15, 5, 3)),
                    matrix(p.get("blocks.0.attn.W_O"), h * 15, 3, 5)), matrix(p.get("unembed.W_U"), 0, 5, 7));
            assertEquals(CopyingScoreMeasure.copyingScore(full), fast[h], 1e-9, "head " + h);
        }
    }

    /** mod-add style: '=' is an input token only; the circuit is taken over the tokens both vocabularies share. */
    @Test
    void inputOnlyTokensAreLeftOut() {
        ModelConfig cfg = new ModelConfig(2, 4, 2, 2, 1, 5, 4, 4, true, false);
        Map<String, Tensor> p = circuit(COPY, SUPPRESS, ROTATE, MIXED);
        float[] wE = new float[5 * 4];
        System.arraycopy(identity(4), 0, wE, 0, 16);
        for (int k = 0; k < 4; k++) wE[16 + k] = 100 * (k + 1); // the '=' row: ignored
        p.put("embed.W_E", Tensor.of(wE, 5, 4));
        assertArrayEquals(new double[] {1, -1, 0, 1.0 / 3}, CopyingScoreMeasure.scores(cfg, p), 1e-12);
    }

    @Test
    void measureOfARealModel() {
        try (NDManager manager = Djl.newManager();
             Transformer model = Transformer.fromTensors(CFG, circuit(COPY, SUPPRESS, ROTATE, MIXED), manager)) {
            CheckpointMeasure.Measurements m = new CopyingScoreMeasure(CFG).measure(model, manager);
            assertEquals(1.0, m.metrics().get("copying_score_L0H0"), 1e-6);
            assertEquals(-1.0, m.metrics().get("copying_score_L0H1"), 1e-6);
            assertEquals(1.0 / 3, m.metrics().get("copying_score_L1H1"), 1e-6);
            Tensor t = m.tensors().get("copying_score");
            assertArrayEquals(new int[] {2, 2}, t.shape());
            assertEquals(-1.0, t.doubles()[1], 1e-6);
        }
    }

    private static float[] gaussian(Random rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return v;
    }

    private static double[][] matrix(Tensor t, int offset, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) m[i][j] = t.doubleAt(offset + i * cols + j);
        return m;
    }
}
