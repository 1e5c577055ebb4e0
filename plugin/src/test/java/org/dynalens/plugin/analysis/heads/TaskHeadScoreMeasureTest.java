package org.dynalens.plugin.analysis.heads;

import ai.djl.ndarray.NDManager;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Head scores on given sequences, checked on a model whose attention is uniform by construction. */
class TaskHeadScoreMeasureTest {

    /** 2 layers x 2 heads, d_model 8, d_head 4, vocab 6, n_ctx 8, attention-only. */
    private static final ModelConfig CFG = new ModelConfig(2, 8, 2, 4, 1, 6, 6, 8, true, false);

    /** Two sequences: 0 1 2 3 0 1 2 3 (each second-half token has one earlier copy) and 5 4 5 4 5 4 5 4. */
    private static final int[] TOKENS = {0, 1, 2, 3, 0, 1, 2, 3, 5, 4, 5, 4, 5, 4, 5, 4};

    @Test
    void zeroQueryWeightsGiveUniformAttentionAndExactlyTheUniformScores() {
        try (NDManager manager = Djl.newManager()) {
            Map<String, Tensor> w = new java.util.LinkedHashMap<>(Transformer.initialise(CFG, 3, manager).toTensors());
            for (int l = 0; l < 2; l++) w.put("blocks." + l + ".attn.W_Q", Tensor.of(new float[2 * 8 * 4], 2, 8, 4));
            Transformer uniformModel = Transformer.fromTensors(CFG, w, manager);
            CheckpointMeasure.Measurements m = new TaskHeadScoreMeasure(CFG, 2, TOKENS).measure(uniformModel, manager);

            // closed forms: previous token, every query q >= 1 of both rows puts 1/(q+1) on q - 1
            double prev = 0;
            for (int q = 1; q < 8; q++) prev += 1.0 / (q + 1);
            prev /= 7;
            // induction, row 0: queries 4..7, one target each; row 1 (period 2): query q >= 2 has an earlier copy at
            // q - 2, q - 4, ... whose successors q - 1, q - 3, ... (those < q) are (q / 2) keys, each 1/(q+1)
            double ind = 0;
            for (int q = 4; q < 8; q++) ind += 1.0 / (q + 1);
            for (int q = 2; q < 8; q++) ind += (q / 2) / (q + 1.0);
            ind /= 4 + 6;
            Map<String, Double> s = m.metrics();
            assertEquals(prev, s.get("task_previous_token_score_uniform"), 1e-6);
            assertEquals(ind, s.get("task_induction_score_uniform"), 1e-6);
            for (int l = 0; l < 2; l++) {
                for (int h = 0; h < 2; h++) {
                    assertEquals(prev, s.get("task_previous_token_score_L" + l + "H" + h), 1e-6);
                    assertEquals(ind, s.get("task_induction_score_L" + l + "H" + h), 1e-6);
                }
            }
            assertEquals(ind, s.get("task_induction_score_max"), 1e-6, "best head of layer 1");
            assertArrayEquals(new int[] {2, 2}, m.tensors().get("task_induction_score").shape());
            assertEquals(ind, m.tensors().get("task_induction_score").doubleAt(3), 1e-6);
        }
    }

    @Test
    void measuresTheFirstRowsOfABatchAndRejectsBadShapes() {
        int[] batch = new int[40 * 8];
        for (int i = 0; i < batch.length; i++) batch[i] = (i % 8) % 6;
        try (NDManager manager = Djl.newManager()) {
            Transformer model = Transformer.initialise(CFG, 1, manager);
            Map<String, Double> s = TaskHeadScoreMeasure.onFirstRows(CFG, 40, batch).measure(model, manager).metrics();
            assertEquals(2 * 2 * 2 + 3, s.size(), "two scores per head, the max and two uniform levels: " + s.keySet());
            // 16 identical rows measure like one: each row is 0 1 2 3 4 5 0 1
            Map<String, Double> one = new TaskHeadScoreMeasure(CFG, 1, java.util.Arrays.copyOf(batch, 8))
                    .measure(model, manager).metrics();
            assertEquals(one.get("task_induction_score_L1H1"), s.get("task_induction_score_L1H1"), 1e-6);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskHeadScoreMeasure(CFG, 3, new int[8]));
        assertTrue(e.getMessage().contains("8 tokens in 3 sequences"), e.getMessage());
    }
}
