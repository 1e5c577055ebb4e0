package org.dynalens.plugin.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.analysis.heads.AttentionPatterns;
import org.dynalens.plugin.analysis.heads.HeadScores;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The general n-layer forward pass (logits at every position, causal) against a plain-Java transcription. */
class InductionForwardTest {

    private static final int[][] INPUTS = {{0, 1, 2, 3, 0, 1}, {5, 5, 4, 2, 1, 0}, {3, 1, 4, 1, 5, 2}};

    @Test
    void twoLayerAttentionOnlyMatchesTheReference() {
        check(new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, true, false));
    }

    @Test
    void twoLayerWithMlpAndLayerNormMatchesTheReference() {
        check(new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, false, true));
    }

    @Test
    void shortformerPositionsReachQueriesAndKeysOnly() {
        check(new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, true, false, ModelConfig.PositionalEmbedding.SHORTFORMER));
        check(new ModelConfig(2, 16, 2, 8, 32, 7, 7, 8, false, true, ModelConfig.PositionalEmbedding.SHORTFORMER));
    }

    @Test
    void rotaryPositionsRotateQueriesAndKeys() {
        check(new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, true, false, ModelConfig.PositionalEmbedding.ROTARY));
        check(new ModelConfig(2, 16, 2, 8, 32, 7, 7, 8, false, true, ModelConfig.PositionalEmbedding.ROTARY));
    }

    /** Smeared keys, with a different mix in every head (so the per-head broadcast is checked too). */
    @Test
    void smearedKeysMixEachKeyWithThePreviousOne() {
        for (ModelConfig cfg : List.of(
                new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, true, false, ModelConfig.PositionalEmbedding.STANDARD, true),
                new ModelConfig(2, 16, 2, 8, 32, 7, 7, 8, false, true, ModelConfig.PositionalEmbedding.SHORTFORMER, true),
                new ModelConfig(1, 16, 2, 8, 32, 7, 7, 6, true, false, ModelConfig.PositionalEmbedding.ROTARY, true))) {
            check(cfg, Map.of("blocks.0.attn.smear_alpha", new float[] {-1.5f, 2f}));
        }
    }

    /**
     * The point of smeared keys (Olsson et al. 2022, Argument 2): one head in one layer can be an induction head. Hand
     * built: one-hot token embeddings, no positions, W_Q = 30 I and W_K = I, so a query matches keys of its own token.
     * With the keys fully smeared back (alpha -30) the key at j is the token at j - 1, so on a permutation repeated
     * twice each second-half token attends to the token after its first copy: induction score about 1. Unsmeared
     * (alpha +30) the same head attends to the copy itself: induction score about 0.
     */
    @Test
    void aSingleHeadWithSmearedKeysIsAnInductionHead() {
        int v = 8, n = 16;
        ModelConfig cfg = new ModelConfig(1, v, 1, v, 1, v, v, n, true, false, ModelConfig.PositionalEmbedding.STANDARD, true);
        int[] tokens = {3, 0, 6, 1, 7, 4, 2, 5, 3, 0, 6, 1, 7, 4, 2, 5};
        float[] identity = new float[v * v], query = new float[v * v];
        for (int i = 0; i < v; i++) {
            identity[i * v + i] = 1;
            query[i * v + i] = 30;
        }
        try (NDManager m = Djl.newManager(); Transformer t = Transformer.initialise(cfg, 1, m)) {
            t.parameters().get("embed.W_E").set(identity);
            t.parameters().get("pos_embed.W_pos").muli(0);
            t.parameters().get("blocks.0.attn.W_Q").set(query);
            t.parameters().get("blocks.0.attn.W_K").set(identity);
            long[] flat = java.util.Arrays.stream(tokens).asLongStream().toArray();
            NDArray input = m.create(flat, new Shape(1, n));
            double[] score = new double[2];
            float[] alphas = {-30f, 30f};
            for (int i = 0; i < 2; i++) {
                t.parameters().get("blocks.0.attn.smear_alpha").set(new float[] {alphas[i]});
                float[] pattern = t.attentionPatterns(input).get(0).toFloatArray();
                score[i] = HeadScores.induction(new AttentionPatterns(1, 1, n, pattern, tokens), 0);
            }
            // 15/16: the query of token 3 also matches the first key, which has no earlier key to smear in, and
            // splits its attention evenly between the two
            assertEquals(15 / 16.0, score[0], 0.01, "smeared");
            assertTrue(score[1] < 0.05, "unsmeared: induction score " + score[1]);
        }
    }

    /**
     * With rotary positions a score depends on the two tokens and their distance only: on a sequence of one repeated
     * token, every query attends to the keys at distances 0, 1, 2, ... with the same scores, so the last two rows of
     * a head's pattern are the same up to the softmax over one more key.
     */
    @Test
    void rotaryScoresDependOnDistanceOnly() {
        ModelConfig cfg = new ModelConfig(1, 16, 2, 8, 32, 7, 7, 8, true, false, ModelConfig.PositionalEmbedding.ROTARY);
        try (NDManager m = Djl.newManager(); Transformer t = Transformer.initialise(cfg, 5, m)) {
            assertFalse(t.toTensors().containsKey("pos_embed.W_pos"), "rotary models have no W_pos");
            NDArray tokens = m.create(new long[] {3, 3, 3, 3, 3, 3, 3, 3}, new Shape(1, 8));
            float[] a = t.attentionPatterns(tokens).get(0).toFloatArray(); // [1, head, q, k]
            for (int h = 0; h < 2; h++) {
                int q6 = (h * 8 + 6) * 8, q7 = (h * 8 + 7) * 8;
                for (int dist = 0; dist <= 6; dist++) {
                    for (int dist2 = 0; dist2 <= 6; dist2++) { // ratios of two keys' weights: the softmax cancels
                        double r6 = a[q6 + 6 - dist] / a[q6 + 6 - dist2], r7 = a[q7 + 7 - dist] / a[q7 + 7 - dist2];
                        assertEquals(r6, r7, 1e-4 * Math.abs(r6), "head " + h + " distances " + dist + ", " + dist2);
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ModelConfig(1, 16, 2, 7, 32, 7, 7, 8, true, false,
                ModelConfig.PositionalEmbedding.ROTARY), "odd d_head");
    }

    /** Same weights, other positional embedding: the logits differ, and with shortformer W_pos never reaches them
     * except through the attention pattern (so a 1-token sequence's logits do not depend on W_pos at all). */
    @Test
    void shortformerKeepsPositionsOutOfTheResidualStream() {
        ModelConfig standard = new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, true, false);
        ModelConfig shortformer = new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, true, false,
                ModelConfig.PositionalEmbedding.SHORTFORMER);
        try (NDManager m = Djl.newManager(); Transformer a = Transformer.initialise(standard, 3, m);
             Transformer b = Transformer.initialise(shortformer, 3, m)) {
            assertEquals(a.toTensors(), b.toTensors(), "the option draws no other initial weights");
            NDArray one = m.create(new long[] {4}, new Shape(1, 1));
            float[] withPos = b.logits(one).toFloatArray();
            b.parameters().get("pos_embed.W_pos").muli(0);
            assertArrayEquals(withPos, b.logits(one).toFloatArray(), "one token attends to itself alone: W_pos is inert");
            assertFalse(java.util.Arrays.equals(a.logits(one).toFloatArray(), withPos), "standard adds W_pos to the stream");
        }
    }

    @Test
    void shorterSequencesThanNCtxUseTheFirstPositions() {
        ModelConfig cfg = new ModelConfig(2, 16, 2, 8, 32, 7, 7, 8, true, false);
        check(cfg);
    }

    private static void check(ModelConfig cfg) {
        check(cfg, Map.of());
    }

    /** Checks the model initialised from seed 7, with the parameters in {@code overrides} set to the given values. */
    private static void check(ModelConfig cfg, Map<String, float[]> overrides) {
        try (NDManager m = Djl.newManager(); Transformer t = Transformer.initialise(cfg, 7, m)) {
            overrides.forEach((name, value) -> t.parameters().get(name).set(value));
            Map<String, Tensor> w = t.toTensors();
            int n = INPUTS[0].length;
            long[] flat = new long[INPUTS.length * n];
            for (int i = 0; i < INPUTS.length; i++) for (int j = 0; j < n; j++) flat[i * n + j] = INPUTS[i][j];
            NDArray tokens = m.create(flat, new Shape(INPUTS.length, n));
            float[] logits = t.logits(tokens).toFloatArray();
            List<NDArray> patterns = t.attentionPatterns(tokens);
            assertEquals(cfg.nLayers(), patterns.size());
            for (int i = 0; i < INPUTS.length; i++) {
                double[][][][] refPatterns = new double[cfg.nLayers()][][][];
                double[][] ref = ReferenceForward.allLogits(cfg, w, INPUTS[i], refPatterns);
                for (int pos = 0; pos < n; pos++) {
                    for (int c = 0; c < cfg.dVocabOut(); c++) {
                        assertEquals(ref[pos][c], logits[(i * n + pos) * cfg.dVocabOut() + c], 1e-4,
                                "input " + i + " position " + pos + " logit " + c);
                    }
                }
                for (int l = 0; l < cfg.nLayers(); l++) {
                    float[] a = patterns.get(l).toFloatArray(); // [batch, head, q, k]
                    for (int h = 0; h < cfg.nHeads(); h++) {
                        for (int q = 0; q < n; q++) {
                            for (int k = 0; k < n; k++) {
                                double got = a[((i * cfg.nHeads() + h) * n + q) * n + k];
                                assertEquals(refPatterns[l][h][q][k], got, 1e-5, "pattern L" + l + "H" + h);
                                if (k > q) assertEquals(0.0, got, "causal: query " + q + " never sees key " + k);
                            }
                        }
                    }
                }
            }
        }
    }

    /** The fast grokking path and the general path compute the same last-position logits. */
    @Test
    void lastLogitsOfTheGrokkingModelEqualTheGeneralPathAtTheLastPosition() {
        ModelConfig cfg = new ModelConfig(1, 16, 2, 8, 32, 8, 7, 3);
        try (NDManager m = Djl.newManager(); Transformer t = Transformer.initialise(cfg, 42, m)) {
            NDArray tokens = m.create(new long[] {0, 1, 7, 5, 3, 7}, new Shape(2, 3));
            float[] fast = t.lastLogits(tokens).toFloatArray();
            float[] all = t.logits(tokens).toFloatArray();
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < 7; c++) assertEquals(all[(b * 3 + 2) * 7 + c], fast[b * 7 + c], 1e-5);
            }
        }
    }

    @Test
    void optionalBlocksChangeTheParameterNamesAndCount() {
        ModelConfig attnOnly = new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, true, false);
        ModelConfig withLn = new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, false, true);
        ModelConfig rotarySmeared = new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, true, false,
                ModelConfig.PositionalEmbedding.ROTARY, true);
        try (NDManager m = Djl.newManager(); Transformer a = Transformer.initialise(attnOnly, 0, m);
             Transformer b = Transformer.initialise(withLn, 0, m); Transformer c = Transformer.initialise(rotarySmeared, 0, m)) {
            assertFalse(a.parameters().containsKey("blocks.0.mlp.W_in"));
            assertTrue(b.parameters().keySet().containsAll(List.of("blocks.1.ln1.w", "blocks.1.ln2.b", "ln_final.w")));
            assertTrue(c.parameters().keySet().containsAll(List.of("blocks.0.attn.smear_alpha", "blocks.1.attn.smear_alpha")));
            assertEquals(attnOnly.parameterCount(), a.parameters().values().stream().mapToLong(x -> x.getShape().size()).sum());
            assertEquals(withLn.parameterCount(), b.parameters().values().stream().mapToLong(x -> x.getShape().size()).sum());
            assertEquals(rotarySmeared.parameterCount(), c.parameters().values().stream().mapToLong(x -> x.getShape().size()).sum());
            // smearing draws no random numbers: every other initial weight is that of the plain model
            Map<String, Tensor> plain = Transformer.initialise(new ModelConfig(2, 16, 2, 8, 32, 7, 7, 6, true, false,
                    ModelConfig.PositionalEmbedding.ROTARY), 0, m).toTensors();
            Map<String, Tensor> smeared = new java.util.HashMap<>(c.toTensors());
            smeared.keySet().removeIf(k -> k.endsWith("smear_alpha"));
            assertEquals(plain, smeared);
        }
    }
}
