package org.dynalens.plugin.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.ModularArithmetic;

import java.util.Map;

/**
 * The model evaluated on every input {@code [a, b, =]}, a and b in Z_p, in row-major (a, b) order (row a*p + b),
 * whether or not the task uses the pair: the Fourier analyses of Nanda et al. 2023 work on the full p x p grid.
 *
 * @param p        the modulus
 * @param mlpPost  [p*p, d_mlp] post-ReLU MLP activations at the last position
 * @param logits   [p*p, d_vocab_out] logits at the last position, as float64
 * @param dMlp     number of neurons
 * @param classes  number of logits
 */
public record ModularGrid(int p, float[] mlpPost, double[] logits, int dMlp, int classes) {

    /**
     * Runs the forward pass with DJL in its own manager, for inference only (no gradient tracking), so it can run
     * on an analysis thread beside training without touching its state.
     */
    static ModularGrid compute(ModularArithmetic task, ModelConfig cfg, Map<String, Tensor> weights) {
        int p = task.p();
        long[] tokens = new long[3 * p * p];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                int r = a * p + b;
                tokens[3 * r] = a;
                tokens[3 * r + 1] = b;
                tokens[3 * r + 2] = task.equalsToken();
            }
        }
        try (NDManager manager = Djl.newManager()) {
            Transformer model = Transformer.forInference(cfg, weights, manager);
            Transformer.LastPosition out = model.lastPosition(manager.create(tokens, new Shape((long) p * p, 3)));
            float[] logits32 = out.logits().toFloatArray();
            double[] logits = new double[logits32.length];
            for (int i = 0; i < logits.length; i++) logits[i] = logits32[i];
            return new ModularGrid(p, out.mlpPost().toFloatArray(), logits, cfg.dMlp(), cfg.dVocabOut());
        }
    }

    /** Grid row of the pair (a, b). */
    public int row(int a, int b) {
        return a * p + b;
    }

    /** Grid rows of a set of examples {@code [a, b, =]}. */
    public int[] rowsOf(org.dynalens.plugin.task.Examples examples) {
        int[] t = examples.tokens();
        int n = examples.size(), ctx = examples.contextLength();
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) rows[i] = row(t[i * ctx], t[i * ctx + 1]);
        return rows;
    }

    /** Mean cross-entropy (float64) of {@code logits} [p*p, classes] at the given grid rows against labels. */
    public static double crossEntropy(double[] logits, int classes, int[] rows, int[] labels) {
        double total = 0;
        for (int i = 0; i < rows.length; i++) {
            int o = rows[i] * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) max = Math.max(max, logits[o + c]);
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.exp(logits[o + c] - max);
            total += max + Math.log(sum) - logits[o + labels[i]];
        }
        return total / rows.length;
    }
}
