package org.dynalens.plugin.analysis.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.SequenceBatch;
import org.dynalens.plugin.train.NextTokenLoss;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Olsson et al.'s (2022) repeated-sequence test with the task's own tokens instead of random ones: the first half of
 * each of the first {@value #SEQUENCES} evaluation sequences, repeated verbatim. A model with an induction head copies
 * the repeat: its loss on the repeated half falls far below its loss on the first half, and the head attends from
 * each repeated token to the token after its copy ({@link HeadScores#repeatTarget}). On the random-token probe of
 * {@link HeadScoreMeasure} a model trained on natural data sees tokens it rarely meets together; here it sees text it
 * knows, so the two tell a head that copies only familiar text from one that copies anything.
 *
 * <p>Metrics: {@code task_repeat_induction_score_L1H0}, ..., {@code task_repeat_induction_score_max} (best head of
 * layer &gt;= 1), {@code task_repeat_induction_score_uniform} (the score of uniform causal attention, mean of
 * 1/(q+1) over the repeated positions), {@code task_repeat_loss_first_half} and {@code task_repeat_loss_repeated_half}
 * (mean next-token loss of positions 0..L-2 and L..2L-2, i.e. predicting tokens 1..L-1 and their copies L+1..2L-1).
 * Tensor: float64 [n_layers, n_heads] {@code task_repeat_induction_score}.
 */
public final class TaskRepeatMeasure implements CheckpointMeasure {

    /** Evaluation sequences used: patterns cost n_layers x n_heads x n_ctx^2 floats each. */
    public static final int SEQUENCES = 16;
    public static final String PREFIX = "task_repeat_";
    private final ModelConfig cfg;
    private final SequenceBatch repeated;
    private final int half;
    /** The score of uniform causal attention: mean over the repeated positions q of 1/(q+1). */
    private final double uniform;

    /**
     * @param tokens [rows, n] row-major task sequences; the first {@code min(SEQUENCES, rows)} rows are used, their
     *               first {@code min(n, n_ctx) / 2} tokens repeated
     */
    public TaskRepeatMeasure(ModelConfig cfg, int rows, int[] tokens) {
        int n = rows < 1 ? 0 : tokens.length / rows;
        if (rows < 1 || n * rows != tokens.length || Math.min(n, cfg.nCtx()) < 4) {
            throw new IllegalArgumentException("need >= 1 sequence of >= 4 tokens, got " + tokens.length
                    + " tokens in " + rows + " rows (n_ctx " + cfg.nCtx() + ")");
        }
        this.cfg = cfg;
        this.half = Math.min(n, cfg.nCtx()) / 2;
        int used = Math.min(SEQUENCES, rows), len = 2 * half;
        this.repeated = SequenceBatch.empty(used, len);
        for (int r = 0; r < used; r++) {
            for (int i = 0; i < half; i++) {
                repeated.tokens()[r * len + i] = tokens[r * n + i];
                repeated.tokens()[r * len + half + i] = tokens[r * n + i];
            }
        }
        repeated.countAllNextTokens();
        double sum = 0;
        for (int q = half; q < len; q++) sum += 1.0 / (q + 1);
        this.uniform = sum / half;
    }

    @Override
    public Measurements measure(Transformer model, NDManager manager) {
        int layers = cfg.nLayers(), heads = cfg.nHeads(), rows = repeated.size(), len = repeated.contextLength();
        int[] t = repeated.tokens();
        double[] ind = new double[layers * heads];
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<AttentionPatterns> patterns = HeadScoreMeasure.patterns(model, manager, rows, t);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                int i = l * heads + h;
                ind[i] = HeadScores.repeatTarget(patterns.get(l), h, half);
                metrics.put(PREFIX + "induction_score_L" + l + "H" + h, ind[i]);
            }
        }
        metrics.put(PREFIX + "induction_score_max", HeadScores.inductionMax(ind, cfg));
        metrics.put(PREFIX + "induction_score_uniform", uniform);

        NDArray logits = model.logits(Djl.tokens(manager, t, rows));
        double[] byPosition = NextTokenLoss.of(logits, repeated, cfg.dVocabOut(), false).lossByPosition();
        metrics.put(PREFIX + "loss_first_half", mean(byPosition, 0, half - 1));
        metrics.put(PREFIX + "loss_repeated_half", mean(byPosition, half, len - 1));
        return new Measurements(metrics, Map.of(PREFIX + "induction_score", Tensor.of(ind, layers, heads)), List.of());
    }

    private static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += v[i];
        return s / (to - from);
    }
}
