package org.dynalens.archive;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything saved at one training step: the weights under TransformerLens names, what is needed to resume
 * exactly (optimiser moments and counters), the metrics of exactly these weights, and analyses of them.
 *
 * <p>Tensors are keyed by their path in the file: {@code params/embed.W_E}, {@code optim/m/embed.W_E},
 * {@code analysis/key_freqs}. Metrics are scalars under {@code metrics/}: the training metrics, fixed when the
 * checkpoint is written. Analyses of the weights (computed after the checkpoint is first written, and recomputed by
 * {@code dynalens analyze}) live under {@code analysis/}: arrays, and scalar progress measures as rank-0 tensors.
 *
 * @param step    the number of optimiser updates applied to these weights
 * @param tensors path to tensor, in writing order
 * @param metrics name to value (train_loss, test_loss, ...)
 */
public record Checkpoint(long step, Map<String, Tensor> tensors, Map<String, Double> metrics) {

    public static final String PARAMS = "params/";
    public static final String OPTIM = "optim/";
    public static final String ANALYSIS = "analysis/";
    public static final String METRICS = "metrics/";

    public Checkpoint {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** The model parameters, keyed by TransformerLens name (without the {@code params/} prefix). */
    public Map<String, Tensor> params() {
        return withPrefix(PARAMS);
    }

    /** Tensors of one group, keyed by their name inside it. */
    public Map<String, Tensor> withPrefix(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }

    /** A copy with more tensors added (e.g. analyses computed after training). */
    public Checkpoint withTensors(Map<String, Tensor> more) {
        Map<String, Tensor> all = new LinkedHashMap<>(tensors);
        all.putAll(more);
        return new Checkpoint(step, all, metrics);
    }

    /** A copy without the {@code analysis/} group (to store a fresh analysis in its place). */
    public Checkpoint withoutAnalysis() {
        Map<String, Tensor> kept = new LinkedHashMap<>(tensors);
        kept.keySet().removeIf(k -> k.startsWith(ANALYSIS));
        return new Checkpoint(step, kept, metrics);
    }

    /**
     * The scalar progress measures of the {@code analysis/} group (rank-0 tensors), by name; empty when the
     * checkpoint has not been analysed.
     */
    public Map<String, Double> measures() {
        Map<String, Double> out = new LinkedHashMap<>();
        withPrefix(ANALYSIS).forEach((k, v) -> {
            if (v.rank() == 0) out.put(k, v.doubleAt(0));
        });
        return out;
    }

    /** A copy with more metrics added. */
    public Checkpoint withMetrics(Map<String, Double> more) {
        Map<String, Double> all = new LinkedHashMap<>(metrics);
        all.putAll(more);
        return new Checkpoint(step, tensors, all);
    }
}
