package org.dynalens.plugin.analysis.heads;

import ai.djl.ndarray.NDManager;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The repeated-sequence test on given tokens, checked on models whose attention and logits are known. */
class TaskRepeatMeasureTest {

    /** 2 layers x 2 heads, d_model 8, d_head 4, vocab 6, n_ctx 8, attention-only. */
    private static final ModelConfig CFG = new ModelConfig(2, 8, 2, 4, 1, 6, 6, 8, true, false);

    /** Zero W_Q: every head attends uniformly. Zero W_U: every logit is 0, so every next-token loss is ln 6. */
    private static Transformer uniformAndIgnorant(NDManager manager) {
        Map<String, Tensor> w = new LinkedHashMap<>(Transformer.initialise(CFG, 3, manager).toTensors());
        for (int l = 0; l < 2; l++) w.put("blocks." + l + ".attn.W_Q", Tensor.of(new float[2 * 8 * 4], 2, 8, 4));
        w.put("unembed.W_U", Tensor.of(new float[8 * 6], 8, 6));
        return Transformer.fromTensors(CFG, w, manager);
    }

    @Test
    void uniformAttentionAndZeroLogitsGiveTheClosedForms() {
        // 3 rows of 8 tokens: the measure repeats each row's first 4 tokens
        int[] rows = {0, 1, 2, 3, 5, 5, 5, 5, 4, 4, 1, 0, 2, 2, 2, 2, 1, 2, 3, 4, 0, 0, 0, 0};
        try (NDManager manager = Djl.newManager()) {
            CheckpointMeasure.Measurements m = new TaskRepeatMeasure(CFG, 3, rows).measure(uniformAndIgnorant(manager), manager);
            Map<String, Double> s = m.metrics();
            double uniform = (1.0 / 5 + 1.0 / 6 + 1.0 / 7 + 1.0 / 8) / 4; // queries 4..7 of a period-4 repeat
            assertEquals(uniform, s.get("task_repeat_induction_score_uniform"), 1e-12);
            for (int l = 0; l < 2; l++) {
                for (int h = 0; h < 2; h++) assertEquals(uniform, s.get("task_repeat_induction_score_L" + l + "H" + h), 1e-6);
            }
            assertEquals(uniform, s.get("task_repeat_induction_score_max"), 1e-6);
            assertEquals(Math.log(6), s.get("task_repeat_loss_first_half"), 1e-12);
            assertEquals(Math.log(6), s.get("task_repeat_loss_repeated_half"), 1e-12);
            assertArrayEquals(new int[] {2, 2}, m.tensors().get("task_repeat_induction_score").shape());
        }
    }

    @Test
    void aTrainedModelsLossesComeFromTheRepeatedRows() {
        // 20 identical rows measure like one (only the first 16 are used, all alike)
        int[] one = {1, 4, 2, 0, 5, 3, 3, 1};
        int[] many = new int[20 * 8];
        for (int r = 0; r < 20; r++) System.arraycopy(one, 0, many, r * 8, 8);
        try (NDManager manager = Djl.newManager()) {
            Transformer model = Transformer.initialise(CFG, 1, manager);
            Map<String, Double> a = new TaskRepeatMeasure(CFG, 20, many).measure(model, manager).metrics();
            Map<String, Double> b = new TaskRepeatMeasure(CFG, 1, one).measure(model, manager).metrics();
            assertEquals(2 * 2 + 4, a.size(), a.keySet().toString());
            for (String k : b.keySet()) assertEquals(b.get(k), a.get(k), 1e-6, k);
        }
    }

    @Test
    void badShapesAreOneLineErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskRepeatMeasure(CFG, 3, new int[8]));
        assertTrue(e.getMessage().contains("8 tokens in 3 rows"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TaskRepeatMeasure(CFG, 1, new int[3]));
    }
}
