package org.dynalens.plugin.analysis.heads;

import ai.djl.ndarray.NDManager;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Previous-token and induction scores of every head ({@link HeadScores}) on the task's own sequences rather than on
 * random tokens: does a head do prefix matching on the data it is trained on? On natural data such as code a token
 * may have several earlier copies; the induction score is then the attention mass on the tokens after all of them,
 * and frequent tokens select many keys. So the measure also stores the score of uniform causal attention on the same
 * sequences, the level a head must clear (Olsson et al. 2022 measure prefix matching on random tokens, where the
 * {@link HeadScoreMeasure} probe is exact; this is its in-distribution companion).
 *
 * <p>Metrics: {@code task_induction_score_L1H0}, {@code task_previous_token_score_L0H1}, ...,
 * {@code task_induction_score_max} (best head of layer &gt;= 1, as {@code induction_score_max}),
 * {@code task_induction_score_uniform} and {@code task_previous_token_score_uniform}. Tensors: float64
 * [n_layers, n_heads] {@code task_induction_score} and {@code task_previous_token_score}.
 */
public final class TaskHeadScoreMeasure implements CheckpointMeasure {

    /** Sequences of the evaluation batch measured: patterns cost n_layers x n_heads x n_ctx^2 floats each. */
    public static final int SEQUENCES = 16;
    public static final String PREFIX = "task_";
    private final ModelConfig cfg;
    private final int sequences;
    private final int[] tokens;
    private final Map<HeadScores.Kind, Double> uniform;

    /** @param tokens [sequences, n] row-major, n &lt;= n_ctx: the task sequences to measure on */
    public TaskHeadScoreMeasure(ModelConfig cfg, int sequences, int[] tokens) {
        if (sequences < 1 || tokens.length % sequences != 0 || tokens.length / sequences < 2) {
            throw new IllegalArgumentException("need >= 1 sequence of >= 2 tokens, got " + tokens.length
                    + " tokens in " + sequences + " sequences");
        }
        this.cfg = cfg;
        this.sequences = sequences;
        this.tokens = tokens.clone();
        this.uniform = HeadScores.uniformAttentionScores(sequences, this.tokens);
    }

    /** The first {@code min(SEQUENCES, size)} rows of a [size, n] row-major token batch. */
    public static TaskHeadScoreMeasure onFirstRows(ModelConfig cfg, int size, int[] tokens) {
        int rows = Math.min(SEQUENCES, size);
        return new TaskHeadScoreMeasure(cfg, rows, Arrays.copyOf(tokens, rows * (tokens.length / size)));
    }

    @Override
    public Measurements measure(Transformer model, NDManager manager) {
        int layers = cfg.nLayers(), heads = cfg.nHeads();
        double[] prev = new double[layers * heads], ind = new double[layers * heads];
        Map<String, Double> metrics = new LinkedHashMap<>();
        double best = Double.NEGATIVE_INFINITY;
        List<AttentionPatterns> patterns = HeadScoreMeasure.patterns(model, manager, sequences, tokens);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                int i = l * heads + h;
                prev[i] = HeadScores.previousToken(patterns.get(l), h);
                ind[i] = HeadScores.induction(patterns.get(l), h);
                metrics.put(PREFIX + "induction_score_L" + l + "H" + h, ind[i]);
                metrics.put(PREFIX + "previous_token_score_L" + l + "H" + h, prev[i]);
                if (l >= 1 || layers == 1) best = Math.max(best, ind[i]);
            }
        }
        metrics.put(PREFIX + "induction_score_max", best);
        metrics.put(PREFIX + "induction_score_uniform", uniform.get(HeadScores.Kind.INDUCTION));
        metrics.put(PREFIX + "previous_token_score_uniform", uniform.get(HeadScores.Kind.PREVIOUS_TOKEN));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(PREFIX + "induction_score", Tensor.of(ind, layers, heads));
        tensors.put(PREFIX + "previous_token_score", Tensor.of(prev, layers, heads));
        metrics.values().removeIf(v -> Double.isNaN(v) || Double.isInfinite(v)); // e.g. no token repeats in any sequence
        return new Measurements(metrics, tensors, List.of());
    }
}
