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
