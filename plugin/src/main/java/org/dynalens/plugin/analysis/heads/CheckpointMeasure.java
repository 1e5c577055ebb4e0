package org.dynalens.plugin.analysis.heads;

import ai.djl.ndarray.NDManager;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Transformer;

import java.util.List;
import java.util.Map;

/**
 * A measurement of a model's current weights, taken at evaluation steps of a sequence run. Kept small and local to
 * {@code analysis/heads} (the grokking measures get their own interface in {@code analysis}); an adapter between the
 * two is a few lines once both exist on one branch.
 */
public interface CheckpointMeasure {

    /**
     * Measures {@code model}. Called outside any GradientCollector; NDArrays it creates belong to the caller's
     * NDScope.
     */
    Measurements measure(Transformer model, NDManager manager);

    /**
     * @param metrics  scalars, stored as metrics of the step (and indexed)
     * @param tensors  arrays stored under {@code analysis/} in a checkpoint
     * @param keywords facts for the index, e.g. {@code L1H0=induction}
     */
    record Measurements(Map<String, Double> metrics, Map<String, Tensor> tensors, List<String> keywords) {
    }
}
