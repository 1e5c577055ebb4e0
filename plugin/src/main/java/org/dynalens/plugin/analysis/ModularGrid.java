package org.dynalens.plugin.analysis;

import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.task.ModularArithmetic;

import java.util.Map;

/**
 * The model evaluated on every input {@code [a, b, =]}, a and b in Z_p, in row-major (a, b) order (row a*p + b),
 * whether or not the task uses the pair: the Fourier analyses of Nanda et al. 2023 work on the full p x p grid.
 *
 * @param p        the modulus
 * @param mlpPost  [p*p, d_mlp] post-ReLU MLP activations at the last position (blocks.0.mlp.hook_post)
 * @param logits   [p*p, d_vocab_out] logits at the last position, as float64
 * @param dMlp     number of neurons
 * @param classes  number of logits
 */
public record ModularGrid(int p, float[] mlpPost, double[] logits, int dMlp, int classes) {

    /** Inputs per block of the MLP and unembedding in {@link #compute}. */
    private static final int ROWS = 8;

    /**
     * Runs the 1-layer model of Nanda et al. 2023 over the grid in plain Java, in float64, from the checkpoint's
     * weights (TransformerLens names and shapes, see {@link org.dynalens.plugin.model.Transformer}). Analyses never
     * use DJL: they run on a background thread beside training, and training must stay bitwise reproducible and
     * undisturbed by a second thread calling into PyTorch.
     *
     * <p>In a one-layer model the residual stream at each position depends only on the token there, so keys, values
     * and the last position's query are tables over (position, token); per input only the 3-position attention and
     * the MLP remain.
     */
    public static ModularGrid compute(ModularArithmetic task, ModelConfig cfg, Map<String, Tensor> weights) {
        if (cfg.nLayers() != 1) throw new IllegalArgumentException("the grid forward pass is written for 1 layer");
        int p = task.p(), ctx = cfg.nCtx(), dModel = cfg.dModel(), heads = cfg.nHeads(), dHead = cfg.dHead();
        int dMlp = cfg.dMlp(), classes = cfg.dVocabOut(), vocab = cfg.dVocab();
        if (ctx != 3) throw new IllegalArgumentException("the grid forward pass needs inputs [a, b, =], n_ctx 3");
        double[] wE = w(weights, "embed.W_E"), wPos = w(weights, "pos_embed.W_pos");
        double[] wQ = w(weights, "blocks.0.attn.W_Q"), wK = w(weights, "blocks.0.attn.W_K");
        double[] wV = w(weights, "blocks.0.attn.W_V"), wO = w(weights, "blocks.0.attn.W_O");
        double[] wIn = w(weights, "blocks.0.mlp.W_in"), bIn = w(weights, "blocks.0.mlp.b_in");
        double[] wOut = w(weights, "blocks.0.mlp.W_out"), bOut = w(weights, "blocks.0.mlp.b_out");
        double[] wU = w(weights, "unembed.W_U");
        int hd = heads * dHead;
        // residual of token t at position i, and its keys/values/query for every head: [ctx][vocab][...]
        double[][][] resid = new double[ctx][vocab][dModel];
        double[][][] key = new double[ctx][vocab][hd], value = new double[ctx][vocab][hd], query = new double[ctx][vocab][hd];
        for (int i = 0; i < ctx; i++) {
            for (int t = 0; t < vocab; t++) {
                double[] r = resid[i][t];
                for (int d = 0; d < dModel; d++) r[d] = wE[t * dModel + d] + wPos[i * dModel + d];
                for (int h = 0; h < heads; h++) {
                    for (int d = 0; d < dModel; d++) {
                        int o = (h * dModel + d) * dHead;
                        for (int e = 0; e < dHead; e++) {
                            key[i][t][h * dHead + e] += r[d] * wK[o + e];
                            value[i][t][h * dHead + e] += r[d] * wV[o + e];
                            query[i][t][h * dHead + e] += r[d] * wQ[o + e];
                        }
                    }
                }
            }
        }
        int n = p * p;
        double[] mid = new double[n * dModel];   // residual after attention at the last position
        double scale = 1 / Math.sqrt(dHead);
        double[] z = new double[hd];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                int row = a * p + b;
                int[] tok = {a, b, task.equalsToken()};
                double[] q = query[2][tok[2]];
                for (int h = 0; h < heads; h++) {
                    double[] score = new double[ctx];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < ctx; i++) { // the last position attends to all (causal mask removes nothing)
                        double s = 0;
                        for (int e = 0; e < dHead; e++) s += q[h * dHead + e] * key[i][tok[i]][h * dHead + e];
                        score[i] = s * scale;
                        max = Math.max(max, score[i]);
                    }
                    double sum = 0;
                    for (int i = 0; i < ctx; i++) sum += score[i] = Math.exp(score[i] - max);
                    for (int e = 0; e < dHead; e++) {
                        double acc = 0;
                        for (int i = 0; i < ctx; i++) acc += score[i] / sum * value[i][tok[i]][h * dHead + e];
                        z[h * dHead + e] = acc;
                    }
                }
                int o = row * dModel;
                System.arraycopy(resid[2][tok[2]], 0, mid, o, dModel);
                for (int j = 0; j < hd; j++) { // W_O [heads, d_head, d_model] is [hd, d_model] row-major
                    double zj = z[j];
                    for (int d = 0; d < dModel; d++) mid[o + d] += zj * wO[j * dModel + d];
                }
            }
        }
        // MLP and unembedding, ROWS inputs at a time: each weight row is loaded once per block instead of once per
        // input. Every output is still summed in the same order (d, then m, ascending), so blocking changes nothing.
        float[] post = new float[n * dMlp];
        double[] logits = new double[n * classes];
        double[] hidden = new double[ROWS * dMlp], out = new double[ROWS * dModel];
        for (int row0 = 0; row0 < n; row0 += ROWS) {
            int rows = Math.min(ROWS, n - row0);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(bIn, 0, hidden, r * dMlp, dMlp);
                int o = (row0 + r) * dModel;
                for (int d = 0; d < dModel; d++) out[r * dModel + d] = mid[o + d] + bOut[d];
            }
            for (int d = 0; d < dModel; d++) {
                int w = d * dMlp;
                for (int r = 0; r < rows; r++) {
                    double x = mid[(row0 + r) * dModel + d];
                    int h = r * dMlp;
                    for (int m = 0; m < dMlp; m++) hidden[h + m] += x * wIn[w + m];
                }
            }
            for (int m = 0; m < dMlp; m++) {
                int w = m * dModel;
                for (int r = 0; r < rows; r++) {
                    double hm = Math.max(hidden[r * dMlp + m], 0);
                    post[(row0 + r) * dMlp + m] = (float) hm;
                    if (hm == 0) continue;
                    int o = r * dModel;
                    for (int d = 0; d < dModel; d++) out[o + d] += hm * wOut[w + d];
                }
            }
            for (int d = 0; d < dModel; d++) {
                int w = d * classes;
                for (int r = 0; r < rows; r++) {
                    double x = out[r * dModel + d];
                    int o = (row0 + r) * classes;
                    for (int c = 0; c < classes; c++) logits[o + c] += x * wU[w + c];
                }
            }
        }
        return new ModularGrid(p, post, logits, dMlp, classes);
    }

    private static double[] w(Map<String, Tensor> weights, String name) {
        Tensor t = weights.get(name);
        if (t == null) throw new IllegalArgumentException("checkpoint has no parameter " + name);
        return t.doubles();
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
