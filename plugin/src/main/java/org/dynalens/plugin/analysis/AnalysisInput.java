package org.dynalens.plugin.analysis;

import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.ModularArithmetic;
import org.dynalens.plugin.task.Task;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Everything an analysis may look at: the task, the model shape, one checkpoint's weights (TransformerLens names,
 * as in {@link org.dynalens.plugin.model.Transformer}) and the train/test split. Expensive intermediate results
 * shared by several analyses (the forward pass over all p^2 inputs, the neuron clustering) are computed once, on
 * first use. Not thread-safe: one input belongs to one analysis thread.
 */
public final class AnalysisInput {

    private final Task task;
    private final ModelConfig model;
    private final long step;
    private final Map<String, Tensor> weights;
    private final Examples.Split split;
    private final int[] referenceKeyFrequencies;

    private ModularGrid grid;
    private NeuronClusters clusters;

    /**
     * @param referenceKeyFrequencies key frequencies that the restricted and excluded loss use instead of this
     *                                checkpoint's own (the paper's curves use the final checkpoint's); null for own
     */
    public AnalysisInput(Task task, ModelConfig model, long step, Map<String, Tensor> weights, Examples.Split split,
                         int[] referenceKeyFrequencies) {
        this.task = task;
        this.model = model;
        this.step = step;
        this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        this.split = split;
        this.referenceKeyFrequencies = referenceKeyFrequencies == null ? null : referenceKeyFrequencies.clone();
    }

    /** An input whose forward pass over the p^2 grid is given (computed by training, or constructed in tests). */
    public static AnalysisInput withGrid(Task task, ModelConfig model, Examples.Split split, ModularGrid grid,
                                  int[] referenceKeyFrequencies) {
        return withGrid(task, model, 0, Map.of(), split, grid, referenceKeyFrequencies);
    }

    /** As the constructor, with the forward pass over the p^2 grid already done ({@code grid} may be null). */
    public static AnalysisInput withGrid(Task task, ModelConfig model, long step, Map<String, Tensor> weights,
                                         Examples.Split split, ModularGrid grid, int[] referenceKeyFrequencies) {
        AnalysisInput in = new AnalysisInput(task, model, step, weights, split, referenceKeyFrequencies);
        in.grid = grid;
        return in;
    }

    public Task task() {
        return task;
    }

    public ModelConfig model() {
        return model;
    }

    public long step() {
        return step;
    }

    /** Parameters by TransformerLens name. */
    public Map<String, Tensor> weights() {
        return weights;
    }

    public Tensor weight(String name) {
        Tensor t = weights.get(name);
        if (t == null) throw new IllegalArgumentException("checkpoint at step " + step + " has no parameter " + name);
        return t;
    }

    public Examples.Split split() {
        return split;
    }

    /** The task as arithmetic mod p; only call from analyses that apply to such tasks. */
    public ModularArithmetic modular() {
        if (!(task instanceof ModularArithmetic m)) {
            throw new IllegalStateException("task " + task.name() + " is not arithmetic modulo p");
        }
        return m;
    }

    /** Logits and MLP activations at the last position for all p^2 inputs (a, b). */
    public ModularGrid grid() {
        if (grid == null) grid = ModularGrid.compute(modular(), model, weights);
        return grid;
    }

    /** This checkpoint's neuron-frequency clustering (Nanda et al. 2023 sec. 4.2 / appendix). */
    public NeuronClusters clusters() {
        if (clusters == null) {
            clusters = NeuronClusters.compute(FourierBasis.of(modular().p()), grid().mlpPost(), model.dMlp(),
                    NeuronClusters.THRESHOLD);
        }
        return clusters;
    }

    /** The key frequencies the restricted and excluded loss use: the reference ones if given, else this checkpoint's. */
    public int[] lossKeyFrequencies() {
        return referenceKeyFrequencies != null ? referenceKeyFrequencies.clone() : clusters().keyFrequencies();
    }

    public Optional<int[]> referenceKeyFrequencies() {
        return Optional.ofNullable(referenceKeyFrequencies).map(int[]::clone);
    }

    @Override
    public String toString() {
        return "AnalysisInput[" + task.name() + ", step " + step
                + (referenceKeyFrequencies == null ? "" : ", reference key freqs " + Arrays.toString(referenceKeyFrequencies)) + "]";
    }
}
