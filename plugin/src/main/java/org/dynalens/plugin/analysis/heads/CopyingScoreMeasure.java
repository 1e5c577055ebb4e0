package org.dynalens.plugin.analysis.heads;

import ai.djl.ndarray.NDManager;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.ejml.data.Complex_F64;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copying score of every head (Elhage et al. 2021, "A Mathematical Framework for Transformer Circuits", section
 * "Copying / Primarily Positive Eigenvalues"): the head's full OV circuit maps a token it attends to onto the logits
 * it raises, {@code W_U W_O W_V W_E} in the paper's column-vector notation, here (TransformerLens's row vectors)
 * {@code M = W_E W_V[h] W_O[h] W_U}, a [vocab, vocab] matrix. A head that copies (raises the logit of the token it
 * attends to) has mostly positive eigenvalues; the score is
 * <pre>  copying = sum_i lambda_i / sum_i |lambda_i|   in [-1, 1]</pre>
 * (complex eigenvalues come in conjugate pairs, so the numerator is real): 1 for a pure copier, -1 for a head that
 * suppresses what it attends to, near 0 for neither.
 *
 * <p>M has rank at most d_head, and its nonzero eigenvalues are those of the small product (for A [V, k] and B [k, V],
 * AB and BA share their nonzero eigenvalues; Sylvester's determinant identity)
 * <pre>  M = (W_E W_V) (W_O W_U)  ->  S = (W_O W_U) (W_E W_V), [d_head, d_head]</pre>
 * so only a d_head x d_head non-symmetric eigenproblem is solved (EJML). Zero eigenvalues do not change the score.
 *
 * <p>Conventions: the direct path only (no composition with earlier layers, no LayerNorm folding), as in the paper's
 * eigenvalue analysis. When the input and output vocabularies differ (mod-add: p numbers plus {@code =} in, p numbers
 * out) the circuit is taken over the tokens both share, the first {@code min(d_vocab, d_vocab_out)}.
 *
 * <p>Metrics {@code copying_score_L<l>H<h>}; tensor float64 [n_layers, n_heads] {@code copying_score}.
 */
public final class CopyingScoreMeasure implements CheckpointMeasure {

    private final ModelConfig cfg;

    public CopyingScoreMeasure(ModelConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public Measurements measure(Transformer model, NDManager manager) {
        double[] scores = scores(cfg, model.toTensors());
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int i = 0; i < scores.length; i++) {
            metrics.put("copying_score_L" + i / cfg.nHeads() + "H" + i % cfg.nHeads(), scores[i]);
        }
        return new Measurements(metrics, Map.of("copying_score", Tensor.of(scores, cfg.nLayers(), cfg.nHeads())), List.of());
    }

    /** Copying score of every head, [n_layers * n_heads] row-major, from a model's parameters (TransformerLens names). */
    public static double[] scores(ModelConfig cfg, Map<String, Tensor> params) {
        int d = cfg.dModel(), dh = cfg.dHead(), vocab = Math.min(cfg.dVocab(), cfg.dVocabOut());
        Tensor wE = require(params, "embed.W_E");
        Tensor wU = require(params, "unembed.W_U");
        double[] out = new double[cfg.nLayers() * cfg.nHeads()];
        for (int l = 0; l < cfg.nLayers(); l++) {
            Tensor wV = require(params, "blocks." + l + ".attn.W_V");
            Tensor wO = require(params, "blocks." + l + ".attn.W_O");
            for (int h = 0; h < cfg.nHeads(); h++) {
                // A = W_E W_V[h]: [vocab, d_head]; B = W_O[h] W_U: [d_head, vocab]
                double[][] a = new double[vocab][dh];
                for (int t = 0; t < vocab; t++) {
                    for (int j = 0; j < dh; j++) {
                        double s = 0;
                        for (int k = 0; k < d; k++) s += wE.doubleAt(t * d + k) * wV.doubleAt((h * d + k) * dh + j);
                        a[t][j] = s;
                    }
                }
                double[][] b = new double[dh][vocab];
                int vocabOut = cfg.dVocabOut();
                for (int i = 0; i < dh; i++) {
                    for (int t = 0; t < vocab; t++) {
                        double s = 0;
                        for (int k = 0; k < d; k++) s += wO.doubleAt((h * dh + i) * d + k) * wU.doubleAt(k * vocabOut + t);
                        b[i][t] = s;
                    }
                }
                out[l * cfg.nHeads() + h] = copyingScore(multiply(b, a));
            }
        }
        return out;
    }

    /** {@code sum(lambda) / sum(|lambda|)} over the eigenvalues of a square matrix; NaN when they are all zero. */
    public static double copyingScore(double[][] square) {
        int n = square.length;
        DMatrixRMaj m = new DMatrixRMaj(square);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false);
        if (!eig.decompose(m)) return Double.NaN;
        double sum = 0, sumAbs = 0;
        for (int i = 0; i < eig.getNumberOfEigenvalues(); i++) {
            Complex_F64 lambda = eig.getEigenvalue(i);
            sum += lambda.real;
            sumAbs += lambda.getMagnitude();
        }
        return sumAbs == 0 ? Double.NaN : sum / sumAbs;
    }

    static double[][] multiply(double[][] x, double[][] y) {
        int n = x.length, k = y.length, m = y[0].length;
        double[][] out = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                double v = x[i][j];
                if (v == 0) continue;
                for (int c = 0; c < m; c++) out[i][c] += v * y[j][c];
            }
        }
        return out;
    }

    private static Tensor require(Map<String, Tensor> params, String name) {
        Tensor t = params.get(name);
        if (t == null) throw new IllegalArgumentException("copying score needs parameter " + name);
        return t;
    }
}
