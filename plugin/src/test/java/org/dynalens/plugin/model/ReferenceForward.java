package org.dynalens.plugin.model;

import org.dynalens.archive.Tensor;

import java.util.Map;

/**
 * The 1-layer transformer written as loops in double precision over every position with an explicit causal mask,
 * straight from the definitions (Elhage et al. 2021 notation): an independent check of the DJL forward pass.
 */
final class ReferenceForward {

    private ReferenceForward() {
    }

    static double[] lastLogits(ModelConfig c, Map<String, Tensor> w, int[] tokens) {
        int n = tokens.length, d = c.dModel(), h = c.nHeads(), dh = c.dHead();
        double[][] resid = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                resid[i][k] = at(w.get("embed.W_E"), tokens[i], k) + at(w.get("pos_embed.W_pos"), i, k);
            }
        }
        double[][] attnOut = new double[n][d];
        for (int head = 0; head < h; head++) {
            double[][] q = project(resid, w.get("blocks.0.attn.W_Q"), head, d, dh);
            double[][] k = project(resid, w.get("blocks.0.attn.W_K"), head, d, dh);
            double[][] v = project(resid, w.get("blocks.0.attn.W_V"), head, d, dh);
            for (int i = 0; i < n; i++) {
                double[] scores = new double[i + 1]; // causal: position i sees 0..i
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int e = 0; e < dh; e++) s += q[i][e] * k[j][e];
                    scores[j] = s / Math.sqrt(dh);
                    max = Math.max(max, scores[j]);
                }
                double z = 0;
                for (int j = 0; j <= i; j++) z += scores[j] = Math.exp(scores[j] - max);
                double[] mixed = new double[dh];
                for (int j = 0; j <= i; j++) for (int e = 0; e < dh; e++) mixed[e] += scores[j] / z * v[j][e];
                for (int o = 0; o < d; o++) {
                    double s = 0;
                    for (int e = 0; e < dh; e++) s += mixed[e] * at3(w.get("blocks.0.attn.W_O"), head, e, o, dh, d);
                    attnOut[i][o] += s;
                }
            }
        }
        double[] x = new double[d];
        for (int k = 0; k < d; k++) x[k] = resid[n - 1][k] + attnOut[n - 1][k];
        double[] hidden = new double[c.dMlp()];
        for (int j = 0; j < c.dMlp(); j++) {
            double s = w.get("blocks.0.mlp.b_in").doubleAt(j);
            for (int k = 0; k < d; k++) s += x[k] * at(w.get("blocks.0.mlp.W_in"), k, j);
            hidden[j] = Math.max(0, s);
        }
        double[] out = new double[d];
        for (int k = 0; k < d; k++) {
            double s = w.get("blocks.0.mlp.b_out").doubleAt(k);
            for (int j = 0; j < c.dMlp(); j++) s += hidden[j] * at(w.get("blocks.0.mlp.W_out"), j, k);
            out[k] = x[k] + s;
        }
        double[] logits = new double[c.dVocabOut()];
        for (int o = 0; o < logits.length; o++) {
            for (int k = 0; k < d; k++) logits[o] += out[k] * at(w.get("unembed.W_U"), k, o);
        }
        return logits;
    }

    /**
     * The general model (n layers, optional MLP, optional pre-LN LayerNorm, standard, shortformer or rotary positions) at
     * every position, with the attention
     * patterns written into {@code patternsOut[layer][head][query][key]}.
     */
    /**
     * RoFormer (Su et al. 2021, eq. 34) in the GPT-NeoX layout: at position p, the pair (x_i, x_{i + d/2}) turns by
     * the angle p * 10000^(-2i / d), written out as a 2 x 2 rotation.
     */
    static double[][] rotate(double[][] x) {
        int half = x[0].length / 2;
        double[][] out = new double[x.length][x[0].length];
        for (int p = 0; p < x.length; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(10000, -2.0 * i / (2 * half));
                double a = x[p][i], b = x[p][i + half];
                out[p][i] = a * Math.cos(angle) - b * Math.sin(angle);
                out[p][i + half] = b * Math.cos(angle) + a * Math.sin(angle);
            }
        }
        return out;
    }

    static double[][] allLogits(ModelConfig c, Map<String, Tensor> w, int[] tokens, double[][][][] patternsOut) {
        int n = tokens.length, d = c.dModel(), h = c.nHeads(), dh = c.dHead();
        boolean shortformer = c.positionalEmbedding() == ModelConfig.PositionalEmbedding.SHORTFORMER;
        boolean rotary = c.positionalEmbedding() == ModelConfig.PositionalEmbedding.ROTARY;
        double[][] pos = new double[n][d]; // rotary: no W_pos, zeros here
        if (!rotary) for (int i = 0; i < n; i++) for (int k = 0; k < d; k++) pos[i][k] = at(w.get("pos_embed.W_pos"), i, k);
        double[][] resid = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) resid[i][k] = at(w.get("embed.W_E"), tokens[i], k) + (shortformer ? 0 : pos[i][k]);
        }
        for (int l = 0; l < c.nLayers(); l++) {
            String b = "blocks." + l + ".";
            double[][] x = c.layerNorm() ? layerNorm(resid, w.get(b + "ln1.w"), w.get(b + "ln1.b")) : resid;
            // shortformer (Press et al. 2021): W_pos is added to the query and key inputs only
            double[][] qkIn = new double[n][d];
            for (int i = 0; i < n; i++) for (int k = 0; k < d; k++) qkIn[i][k] = x[i][k] + (shortformer ? pos[i][k] : 0);
            double[][] attnOut = new double[n][d];
            patternsOut[l] = new double[h][n][n];
            for (int head = 0; head < h; head++) {
                double[][] q = project(qkIn, w.get(b + "attn.W_Q"), head, d, dh);
                double[][] k = project(qkIn, w.get(b + "attn.W_K"), head, d, dh);
                if (rotary) {
                    q = rotate(q);
                    k = rotate(k);
                }
                if (c.smearedKeys()) { // Olsson et al. 2022: k'_j = s k_j + (1 - s) k_(j-1), s = sigmoid(alpha), k'_0 = k_0
                    double s = 1 / (1 + Math.exp(-w.get(b + "attn.smear_alpha").doubleAt(head)));
                    double[][] smeared = new double[n][dh];
                    for (int i = 0; i < n; i++) {
                        for (int e = 0; e < dh; e++) smeared[i][e] = s * k[i][e] + (1 - s) * k[Math.max(i - 1, 0)][e];
                    }
                    k = smeared;
                }
                double[][] v = project(x, w.get(b + "attn.W_V"), head, d, dh);
                for (int i = 0; i < n; i++) {
                    double[] scores = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double s = 0;
                        for (int e = 0; e < dh; e++) s += q[i][e] * k[j][e];
                        scores[j] = s / Math.sqrt(dh);
                        max = Math.max(max, scores[j]);
                    }
                    double z = 0;
                    for (int j = 0; j <= i; j++) z += scores[j] = Math.exp(scores[j] - max);
                    double[] mixed = new double[dh];
                    for (int j = 0; j <= i; j++) {
                        patternsOut[l][head][i][j] = scores[j] / z;
                        for (int e = 0; e < dh; e++) mixed[e] += scores[j] / z * v[j][e];
                    }
                    for (int o = 0; o < d; o++) {
                        double s = 0;
                        for (int e = 0; e < dh; e++) s += mixed[e] * at3(w.get(b + "attn.W_O"), head, e, o, dh, d);
                        attnOut[i][o] += s;
                    }
                }
            }
            for (int i = 0; i < n; i++) for (int o = 0; o < d; o++) resid[i][o] += attnOut[i][o];
            if (!c.attnOnly()) {
                double[][] x2 = c.layerNorm() ? layerNorm(resid, w.get(b + "ln2.w"), w.get(b + "ln2.b")) : resid;
                double[][] out = new double[n][d];
                for (int i = 0; i < n; i++) {
                    double[] hidden = new double[c.dMlp()];
                    for (int j = 0; j < c.dMlp(); j++) {
                        double s = w.get(b + "mlp.b_in").doubleAt(j);
                        for (int k = 0; k < d; k++) s += x2[i][k] * at(w.get(b + "mlp.W_in"), k, j);
                        hidden[j] = Math.max(0, s);
                    }
                    for (int k = 0; k < d; k++) {
                        double s = w.get(b + "mlp.b_out").doubleAt(k);
                        for (int j = 0; j < c.dMlp(); j++) s += hidden[j] * at(w.get(b + "mlp.W_out"), j, k);
                        out[i][k] = s;
                    }
                }
                for (int i = 0; i < n; i++) for (int k = 0; k < d; k++) resid[i][k] += out[i][k];
            }
        }
        double[][] fin = c.layerNorm() ? layerNorm(resid, w.get("ln_final.w"), w.get("ln_final.b")) : resid;
        double[][] logits = new double[n][c.dVocabOut()];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < c.dVocabOut(); o++) {
                for (int k = 0; k < d; k++) logits[i][o] += fin[i][k] * at(w.get("unembed.W_U"), k, o);
            }
        }
        return logits;
    }

    /** (x - mean) / sqrt(biased variance + 1e-5) * w + b, per position. */
    private static double[][] layerNorm(double[][] x, Tensor gain, Tensor bias) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            int d = x[i].length;
            double mean = 0, var = 0;
            for (double v : x[i]) mean += v / d;
            for (double v : x[i]) var += (v - mean) * (v - mean) / d;
            out[i] = new double[d];
            for (int k = 0; k < d; k++) out[i][k] = (x[i][k] - mean) / Math.sqrt(var + 1e-5) * gain.doubleAt(k) + bias.doubleAt(k);
        }
        return out;
    }

    private static double[][] project(double[][] resid, Tensor weight, int head, int d, int dh) {
        double[][] out = new double[resid.length][dh];
        for (int i = 0; i < resid.length; i++) {
            for (int e = 0; e < dh; e++) {
                double s = 0;
                for (int k = 0; k < d; k++) s += resid[i][k] * at3(weight, head, k, e, d, dh);
                out[i][e] = s;
            }
        }
        return out;
    }

    private static double at(Tensor t, int i, int j) {
        return t.doubleAt(i * t.shape()[1] + j);
    }

    private static double at3(Tensor t, int a, int b, int c, int dimB, int dimC) {
        return t.doubleAt((a * dimB + b) * dimC + c);
    }
}
