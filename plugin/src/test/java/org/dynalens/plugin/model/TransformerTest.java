package org.dynalens.plugin.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dynalens.archive.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TransformerTest {

    @Test
    void grokkingModelHasTransformerLensNamesShapesAndParameterCount() {
        ModelConfig cfg = ModelConfig.grokking(114, 113, 3);
        assertEquals(226_688, cfg.parameterCount());
        try (NDManager m = Djl.newManager(); Transformer t = Transformer.initialise(cfg, 0, m)) {
            Map<String, NDArray> p = t.parameters();
            assertEquals(new Shape(114, 128), p.get("embed.W_E").getShape());
            assertEquals(new Shape(3, 128), p.get("pos_embed.W_pos").getShape());
            assertEquals(new Shape(4, 128, 32), p.get("blocks.0.attn.W_Q").getShape());
            assertEquals(new Shape(4, 32, 128), p.get("blocks.0.attn.W_O").getShape());
            assertEquals(new Shape(128, 512), p.get("blocks.0.mlp.W_in").getShape());
            assertEquals(new Shape(512, 128), p.get("blocks.0.mlp.W_out").getShape());
            assertEquals(new Shape(128, 113), p.get("unembed.W_U").getShape());
            long total = p.values().stream().mapToLong(a -> a.getShape().size()).sum();
            assertEquals(cfg.parameterCount(), total);
            // init: normal / sqrt(d_model), W_U / sqrt(d_vocab_out): expected sum of squares ~ 211584/128 + 14464/113
            assertEquals(1781, t.sumOfSquaredWeights(), 25);
        }
    }

    @Test
    void initialisationIsDeterministicPerSeed() {
        ModelConfig cfg = ModelConfig.grokking(24, 23, 3);
        try (NDManager m = Djl.newManager()) {
            Tensor a = Transformer.initialise(cfg, 5, m).toTensors().get("blocks.0.mlp.W_in");
            Tensor b = Transformer.initialise(cfg, 5, m).toTensors().get("blocks.0.mlp.W_in");
            Tensor c = Transformer.initialise(cfg, 6, m).toTensors().get("blocks.0.mlp.W_in");
            assertEquals(a, b);
            assertNotEquals(a, c);
        }
    }

    /** The DJL forward pass agrees with a plain-Java transcription of the model over every position. */
    @Test
    void lastLogitsMatchAPlainJavaReferenceForward() {
        ModelConfig cfg = new ModelConfig(1, 16, 2, 8, 32, 8, 7, 3);
        try (NDManager m = Djl.newManager(); Transformer t = Transformer.initialise(cfg, 42, m)) {
            Map<String, Tensor> w = t.toTensors();
            int[][] inputs = {{0, 1, 7}, {5, 3, 7}, {6, 6, 7}};
            long[] flat = new long[9];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) flat[3 * i + j] = inputs[i][j];
            float[] logits = t.lastLogits(m.create(flat, new Shape(3, 3))).toFloatArray();
            for (int i = 0; i < 3; i++) {
                double[] ref = ReferenceForward.lastLogits(cfg, w, inputs[i]);
                for (int c = 0; c < cfg.dVocabOut(); c++) {
                    assertEquals(ref[c], logits[i * cfg.dVocabOut() + c], 1e-4, "input " + i + " logit " + c);
                }
            }
        }
    }
}
