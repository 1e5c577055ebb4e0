package org.dynalens.plugin.analysis.heads;

import ai.djl.ndarray.NDManager;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Composition scores between every head and every head of a later layer (Elhage et al. 2021, "A Mathematical
 * Framework for Transformer Circuits", section "Three Kinds of Composition"): how much of a later head's circuit reads
 * the subspace an earlier head writes. With TransformerLens's row vectors, {@code OV = W_V[h] W_O[h]} and
 * {@code QK = W_Q[h] W_K[h]^T} ([d_model, d_model]) and
 * <pre>  score(A, B) = ||A B||_F / (||A||_F ||B||_F)</pre>
 * <ul>
 *   <li>Q-composition: {@code score(OV_early, QK_late)}, the earlier head's output in the later head's queries;</li>
 *   <li>K-composition: {@code score(OV_early, QK_late^T)}, in its keys: an induction head's keys read the token a
 *       previous-token head moved there;</li>
 *   <li>V-composition: {@code score(OV_early, OV_late)}, in its values.</li>
 * </ul>
 * (TransformerLens's {@code all_composition_scores}.) The reading layer's LayerNorm weights, when the model has
 * LayerNorm, are folded into its W_Q, W_K and W_V as TransformerLens's {@code fold_ln} does (the centring is left
 * out). Unrelated matrices still score above 0, so the measure also reports {@code composition_score_random}: the
 * mean score of {@value #RANDOM_SAMPLES} pairs of Gaussian matrices of the same shapes and ranks (fixed seed; Q, K
 * and V give the same distribution then), the level to read the scores against.
 *
 * <p>Like TransformerLens's, the scores are of the weight matrices alone: rotary positions' rotation and smeared keys'
 * mixing ({@link ModelConfig#smearedKeys()}) are left out.
 *
 * <p>Every product is of rank at most d_head, so the norms are taken through d_head x d_head Gram matrices
 * ({@code ||U C W^T||_F^2 = trace(C^T (U^T U) C (W^T W))}) and never form a [d_model, d_model] matrix.
 *
 * <p>Metrics, for each head of layer &gt;= 1, the strongest composition with any head of an earlier layer:
 * {@code q_composition_L1H0}, {@code k_composition_L1H0}, {@code v_composition_L1H0}, ..., and
 * {@code composition_score_random} (models of one layer have none). Tensor: float64
 * [3, n_layers, n_heads, n_layers, n_heads] {@code composition_score} (Q, K, V; earlier head; later head), 0 where the
 * first head is not in an earlier layer.
 */
public final class CompositionScoreMeasure implements CheckpointMeasure {

    /** Q, K and V composition, in the order of the tensor's first axis. */
    public enum Kind {
        Q, K, V;

        /** Metric name prefix, e.g. {@code k_composition_}. */
        public String prefix() {
            return name().toLowerCase(java.util.Locale.ROOT) + "_composition_";
        }
    }

    static final int RANDOM_SAMPLES = 64;

    private final ModelConfig cfg;
    private final double random;

    public CompositionScoreMeasure(ModelConfig cfg) {
        this.cfg = cfg;
        this.random = randomBaseline(cfg.dModel(), cfg.dHead(), 1);
    }

    @Override
    public Measurements measure(Transformer model, NDManager manager) {
        double[][][][][] s = scores(cfg, model.toTensors());
        Map<String, Double> metrics = new LinkedHashMap<>();
        int heads = cfg.nHeads();
        for (Kind kind : Kind.values()) {
            for (int l = 1; l < cfg.nLayers(); l++) {
                for (int h = 0; h < heads; h++) {
                    double best = 0;
                    for (int l0 = 0; l0 < l; l0++) {
                        for (int h0 = 0; h0 < heads; h0++) best = Math.max(best, s[kind.ordinal()][l0][h0][l][h]);
                    }
                    metrics.put(kind.prefix() + "L" + l + "H" + h, best);
                }
            }
        }
        if (cfg.nLayers() > 1) metrics.put("composition_score_random", random);
        int layers = cfg.nLayers();
        double[] flat = new double[3 * layers * heads * layers * heads];
        int i = 0;
        for (double[][][][] byKind : s) {
            for (double[][][] a : byKind) for (double[][] b : a) for (double[] c : b) for (double v : c) flat[i++] = v;
        }
        return new Measurements(metrics, Map.of("composition_score", Tensor.of(flat, 3, layers, heads, layers, heads)),
                List.of());
    }

    /**
     * The scores [kind][earlier layer][head][later layer][head] of a model's parameters (TransformerLens names:
     * {@code blocks.L.attn.W_Q/W_K/W_V} [n_heads, d_model, d_head], {@code W_O} [n_heads, d_head, d_model], and
     * {@code blocks.L.ln1.w} when the model has LayerNorm).
     */
    public static double[][][][][] scores(ModelConfig cfg, Map<String, Tensor> params) {
        int layers = cfg.nLayers(), heads = cfg.nHeads(), d = cfg.dModel(), dh = cfg.dHead();
        // per head: the factors of its circuits, LayerNorm weight folded into the matrices that read the stream
        double[][][][] q = new double[layers][heads][][], k = new double[layers][heads][][];
        double[][][][] v = new double[layers][heads][][], o = new double[layers][heads][][];
        for (int l = 0; l < layers; l++) {
            String b = "blocks." + l + ".";
            Tensor ln = cfg.layerNorm() ? require(params, b + "ln1.w") : null;
            for (int h = 0; h < heads; h++) {
                q[l][h] = readHead(require(params, b + "attn.W_Q"), h, d, dh, ln);
                k[l][h] = readHead(require(params, b + "attn.W_K"), h, d, dh, ln);
                v[l][h] = readHead(require(params, b + "attn.W_V"), h, d, dh, ln);
                o[l][h] = writeHead(require(params, b + "attn.W_O"), h, d, dh);
            }
        }
        double[][][][] gQ = new double[layers][heads][][], gK = new double[layers][heads][][];
        double[][][][] gV = new double[layers][heads][][], gO = new double[layers][heads][][];
        double[][] qkNorm = new double[layers][heads], ovNorm = new double[layers][heads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                gQ[l][h] = gram(q[l][h]);
                gK[l][h] = gram(k[l][h]);
                gV[l][h] = gram(v[l][h]);
                gO[l][h] = gramOfRows(o[l][h]);
                qkNorm[l][h] = Math.sqrt(frobeniusDot(gQ[l][h], gK[l][h]));
                ovNorm[l][h] = Math.sqrt(frobeniusDot(gV[l][h], gO[l][h]));
            }
        }
        double[][][][][] out = new double[3][layers][heads][layers][heads];
        for (int l0 = 0; l0 < layers; l0++) {
            for (int h0 = 0; h0 < heads; h0++) {
                for (int l = l0 + 1; l < layers; l++) {
                    for (int h = 0; h < heads; h++) {
                        // OV QK = V0 (O0 Q) K^T;  OV QK^T = V0 (O0 K) Q^T;  OV OV' = V0 (O0 V') O'
                        double[][] g = gV[l0][h0], w = o[l0][h0];
                        out[0][l0][h0][l][h] = ratio(productNorm(g, w, q[l][h], gK[l][h]), ovNorm[l0][h0] * qkNorm[l][h]);
                        out[1][l0][h0][l][h] = ratio(productNorm(g, w, k[l][h], gQ[l][h]), ovNorm[l0][h0] * qkNorm[l][h]);
                        out[2][l0][h0][l][h] = ratio(productNorm(g, w, v[l][h], gO[l][h]), ovNorm[l0][h0] * ovNorm[l][h]);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The expected score of unrelated circuits: mean of {@code score(A, B)} over {@code samples} pairs of
     * [d_model, d_model] products of Gaussian [d_model, d_head] x [d_head, d_model] factors (seeded, so the same
     * shapes always give the same baseline).
     */
    public static double randomBaseline(int dModel, int dHead, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double sum = 0;
        for (int i = 0; i < RANDOM_SAMPLES; i++) {
            double[][] v = gaussian(rng, dModel, dHead), o = gaussian(rng, dHead, dModel);
            double[][] q = gaussian(rng, dModel, dHead), k = gaussian(rng, dModel, dHead);
            double[][] gV = gram(v), gO = gramOfRows(o), gQ = gram(q), gK = gram(k);
            sum += productNorm(gV, o, k, gQ) / Math.sqrt(frobeniusDot(gV, gO) * frobeniusDot(gQ, gK));
        }
        return sum / RANDOM_SAMPLES;
    }

    /**
     * {@code ||U (O W) X^T||_F} for U [d, dh] and X [d, dh] given as their Gram matrices {@code gU = U^T U},
     * {@code gX = X^T X}: {@code sqrt(trace(C^T gU C gX))} with {@code C = O W} [dh, dh].
     */
    private static double productNorm(double[][] gU, double[][] o, double[][] w, double[][] gX) {
        double[][] c = CopyingScoreMeasure.multiply(o, w);
        double[][] left = CopyingScoreMeasure.multiply(transpose(c), CopyingScoreMeasure.multiply(gU, c));
        return Math.sqrt(Math.max(0, frobeniusDot(left, gX)));
    }

    /** A head whose circuit is zero composes with nothing: 0, not NaN. */
    private static double ratio(double productNorm, double norms) {
        return norms == 0 ? 0 : productNorm / norms;
    }

    /** Head h of a [n_heads, d_model, d_head] weight as [d_model, d_head], rows scaled by the LayerNorm weight. */
    private static double[][] readHead(Tensor w, int h, int d, int dh, Tensor lnWeight) {
        double[][] m = new double[d][dh];
        for (int r = 0; r < d; r++) {
            double scale = lnWeight == null ? 1 : lnWeight.doubleAt(r);
            for (int c = 0; c < dh; c++) m[r][c] = scale * w.doubleAt((h * d + r) * dh + c);
        }
        return m;
    }

    /** Head h of a [n_heads, d_head, d_model] weight as [d_head, d_model]. */
    private static double[][] writeHead(Tensor w, int h, int d, int dh) {
        double[][] m = new double[dh][d];
        for (int r = 0; r < dh; r++) for (int c = 0; c < d; c++) m[r][c] = w.doubleAt((h * dh + r) * d + c);
        return m;
    }

    /** {@code M^T M} of a [n, k] matrix. */
    private static double[][] gram(double[][] m) {
        return CopyingScoreMeasure.multiply(transpose(m), m);
    }

    /** {@code M M^T} of a [k, n] matrix. */
    private static double[][] gramOfRows(double[][] m) {
        return CopyingScoreMeasure.multiply(m, transpose(m));
    }

    /** {@code sum_ij a_ij b_ij}, which is {@code trace(A B)} for symmetric B. */
    private static double frobeniusDot(double[][] a, double[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) s += a[i][j] * b[i][j];
        return s;
    }

    private static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m[0].length; j++) t[j][i] = m[i][j];
        return t;
    }

    private static double[][] gaussian(SplittableRandom rng, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) for (int j = 0; j < cols; j++) row[j] = gaussian(rng);
        return m;
    }

    /** A standard normal draw (Box-Muller), so the baseline does not depend on java.util.Random's generator. */
    private static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble(), w = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    }

    private static Tensor require(Map<String, Tensor> params, String name) {
        Tensor t = params.get(name);
        if (t == null) throw new IllegalArgumentException("composition scores need parameter " + name);
        return t;
    }
}
