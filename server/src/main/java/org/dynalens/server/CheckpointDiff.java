package org.dynalens.server;

import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.analysis.compare.HungarianAssignment;
import org.dynalens.plugin.analysis.compare.LinearCka;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What changed between two checkpoints of the same architecture, computed from their stored tensors in plain Java
 * (double precision): per-parameter change, metric deltas, key-frequency sets, CKA of the token embeddings and a
 * head-by-head similarity of the attention circuits. Activation CKA of the logits needs the model and lives in
 * {@link LogitProbe}.
 */
public final class CheckpointDiff {

    static final String KEY_FREQS = Checkpoint.ANALYSIS + "key_freqs";

    private CheckpointDiff() {
    }

    // ---- architecture -------------------------------------------------------------------------------------------

    /** Null when both have the same parameter names and shapes, else what differs (for a 400). */
    public static Map<String, Object> architectureDifference(Map<String, int[]> a, Map<String, int[]> b) {
        List<String> onlyA = a.keySet().stream().filter(k -> !b.containsKey(k)).sorted().toList();
        List<String> onlyB = b.keySet().stream().filter(k -> !a.containsKey(k)).sorted().toList();
        List<Map<String, Object>> shapes = new ArrayList<>();
        for (String name : new TreeSet<>(a.keySet())) {
            if (b.containsKey(name) && !Arrays.equals(a.get(name), b.get(name))) {
                shapes.add(Map.of("name", name, "shape_a", a.get(name), "shape_b", b.get(name)));
            }
        }
        if (onlyA.isEmpty() && onlyB.isEmpty() && shapes.isEmpty()) return null;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("only_a", onlyA);
        out.put("only_b", onlyB);
        out.put("shape_mismatch", shapes);
        return out;
    }

    static String describe(Map<String, Object> difference) {
        List<String> parts = new ArrayList<>();
        if (!((List<?>) difference.get("only_a")).isEmpty()) parts.add("only in a: " + difference.get("only_a"));
        if (!((List<?>) difference.get("only_b")).isEmpty()) parts.add("only in b: " + difference.get("only_b"));
        for (Object o : (List<?>) difference.get("shape_mismatch")) {
            Map<?, ?> m = (Map<?, ?>) o;
            parts.add(m.get("name") + " is " + Arrays.toString((int[]) m.get("shape_a")) + " in a but "
                    + Arrays.toString((int[]) m.get("shape_b")) + " in b");
        }
        return "the checkpoints have different architectures: " + String.join("; ", parts);
    }

    // ---- parameters ---------------------------------------------------------------------------------------------

    /** One row per parameter: norms, L2 norm of the difference, relative change ||a-b||/||a|| and cosine. */
    static List<Map<String, Object>> parameterChanges(Map<String, Tensor> a, Map<String, Tensor> b) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : a.entrySet()) {
            Tensor tb = b.get(e.getKey());
            Change c = Change.of(e.getValue(), tb);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", e.getKey());
            row.put("shape", e.getValue().shape());
            row.put("size", e.getValue().size());
            c.into(row);
            rows.add(row);
        }
        return rows;
    }

    /** The same measures over all parameters flattened into one vector. */
    static Map<String, Object> totalChange(Map<String, Tensor> a, Map<String, Tensor> b) {
        Change total = new Change(0, 0, 0, 0);
        for (Map.Entry<String, Tensor> e : a.entrySet()) total = total.plus(Change.of(e.getValue(), b.get(e.getKey())));
        Map<String, Object> out = new LinkedHashMap<>();
        total.into(out);
        return out;
    }

    /** Sums needed for the change measures: ||a||^2, ||b||^2, <a, b>, ||a - b||^2. */
    private record Change(double aa, double bb, double ab, double dd) {
        static Change of(Tensor a, Tensor b) {
            double aa = 0, bb = 0, ab = 0, dd = 0;
            for (int i = 0, n = a.size(); i < n; i++) {
                double x = a.doubleAt(i);
                double y = b.doubleAt(i);
                aa += x * x;
                bb += y * y;
                ab += x * y;
                dd += (x - y) * (x - y);
            }
            return new Change(aa, bb, ab, dd);
        }

        Change plus(Change o) {
            return new Change(aa + o.aa, bb + o.bb, ab + o.ab, dd + o.dd);
        }

        void into(Map<String, Object> row) {
            double na = Math.sqrt(aa);
            double nb = Math.sqrt(bb);
            double diff = Math.sqrt(dd);
            row.put("norm_a", na);
            row.put("norm_b", nb);
            row.put("l2_diff", diff);
            row.put("relative_change", na == 0 ? null : diff / na);
            row.put("cosine", na == 0 || nb == 0 ? null : ab / (na * nb));
        }
    }

    // ---- metrics and analyses -----------------------------------------------------------------------------------

    /** Every scalar metric of either checkpoint: a, b and b - a (null where one side lacks it). */
    static List<Map<String, Object>> metricDeltas(Map<String, Double> a, Map<String, Double> b) {
        TreeSet<String> names = new TreeSet<>(a.keySet());
        names.addAll(b.keySet());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String name : names) {
            Double va = a.get(name);
            Double vb = b.get(name);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", name);
            row.put("a", va);
            row.put("b", vb);
            row.put("delta", va == null || vb == null ? null : vb - va);
            rows.add(row);
        }
        return rows;
    }

    /**
     * Key frequencies (the Fourier frequencies a grokking model uses, {@code analysis/key_freqs}) as sets: shared,
     * only in a, only in b. When either checkpoint has no such analysis, says which.
     */
    public static Map<String, Object> keyFrequencies(Checkpoint a, Checkpoint b) {
        Tensor ka = a.tensors().get(KEY_FREQS);
        Tensor kb = b.tensors().get(KEY_FREQS);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("available", ka != null && kb != null && isIntegral(ka) && isIntegral(kb));
        if (!(boolean) out.get("available")) {
            List<String> missing = new ArrayList<>();
            if (ka == null || !isIntegral(ka)) missing.add("a");
            if (kb == null || !isIntegral(kb)) missing.add("b");
            out.put("note", "no " + KEY_FREQS + " analysis in checkpoint " + String.join(" and ", missing));
            return out;
        }
        TreeSet<Long> sa = values(ka);
        TreeSet<Long> sb = values(kb);
        TreeSet<Long> shared = new TreeSet<>(sa);
        shared.retainAll(sb);
        TreeSet<Long> onlyA = new TreeSet<>(sa);
        onlyA.removeAll(sb);
        TreeSet<Long> onlyB = new TreeSet<>(sb);
        onlyB.removeAll(sa);
        out.put("a", sa);
        out.put("b", sb);
        out.put("shared", shared);
        out.put("only_a", onlyA);
        out.put("only_b", onlyB);
        return out;
    }

    private static boolean isIntegral(Tensor t) {
        return t.dtype().startsWith("int");
    }

    private static TreeSet<Long> values(Tensor t) {
        TreeSet<Long> out = new TreeSet<>();
        for (int i = 0; i < t.size(); i++) out.add((long) t.doubleAt(i));
        return out;
    }

    // ---- representations ----------------------------------------------------------------------------------------

    /** Linear CKA of the token embeddings (rows of W_E: every input token's representation), or null. */
    public static Double embeddingCka(Map<String, Tensor> a, Map<String, Tensor> b) {
        Tensor ea = a.get("embed.W_E");
        Tensor eb = b.get("embed.W_E");
        if (ea == null || eb == null || ea.rank() != 2) return null;
        double cka = LinearCka.of(ea.floats(), ea.shape()[1], eb.floats(), eb.shape()[1]);
        return Double.isNaN(cka) ? null : cka;
    }

    // ---- attention heads ----------------------------------------------------------------------------------------

    /**
     * Per layer, a head-by-head similarity matrix and an assignment of a's heads to b's. A head is described in
     * token space, where two runs share a basis even though their residual streams do not: its OV circuit
     * W_E W_V W_O W_U [d_vocab, d_vocab_out] and its QK circuit W_E W_Q (W_E W_K)^T [d_vocab, d_vocab]. The
     * similarity is the mean of the two cosines. For two runs the assignment is the Hungarian matching that
     * maximises total similarity; within one run head i stays head i.
     */
    public static List<Map<String, Object>> heads(Map<String, Tensor> a, Map<String, Tensor> b, boolean sameRun) {
        List<Map<String, Object>> layers = new ArrayList<>();
        for (int layer = 0; a.containsKey("blocks." + layer + ".attn.W_O"); layer++) {
            HeadCircuits ca = HeadCircuits.of(a, layer);
            HeadCircuits cb = HeadCircuits.of(b, layer);
            if (ca == null || cb == null) break;
            int n = ca.ov.length;
            double[][] similarity = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    similarity[i][j] = (cosine(ca.ov[i], cb.ov[j]) + cosine(ca.qk[i], cb.qk[j])) / 2;
                }
            }
            int[] assignment;
            if (sameRun) {
                assignment = new int[n];
                for (int i = 0; i < n; i++) assignment[i] = i;
            } else {
                assignment = HungarianAssignment.maximise(zeroNaN(similarity));
            }
            List<Map<String, Object>> matching = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                matching.add(Map.of("a", i, "b", assignment[i], "similarity", similarity[i][assignment[i]]));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("layer", layer);
            out.put("n_heads", n);
            out.put("similarity", similarity);
            out.put("matching", matching);
            out.put("method", sameRun ? "identity (same run)" : "hungarian");
            layers.add(out);
        }
        return layers;
    }

    private static double[][] zeroNaN(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
            for (int j = 0; j < out[i].length; j++) if (!Double.isFinite(out[i][j])) out[i][j] = 0;
        }
        return out;
    }

    static double cosine(double[] x, double[] y) {
        double xy = 0, xx = 0, yy = 0;
        for (int i = 0; i < x.length; i++) {
            xy += x[i] * y[i];
            xx += x[i] * x[i];
            yy += y[i] * y[i];
        }
        return xx == 0 || yy == 0 ? Double.NaN : xy / Math.sqrt(xx * yy);
    }

    /** Token-space OV and QK circuits of every head of one layer, flattened. */
    private record HeadCircuits(double[][] ov, double[][] qk) {

        static HeadCircuits of(Map<String, Tensor> p, int layer) {
            String att = "blocks." + layer + ".attn.";
            Tensor we = p.get("embed.W_E");
            Tensor wu = p.get("unembed.W_U");
            Tensor wq = p.get(att + "W_Q");
            Tensor wk = p.get(att + "W_K");
            Tensor wv = p.get(att + "W_V");
            Tensor wo = p.get(att + "W_O");
            if (we == null || wu == null || wq == null || wk == null || wv == null || wo == null) return null;
            if (we.rank() != 2 || wu.rank() != 2 || wq.rank() != 3 || wo.rank() != 3) return null;
            int vocab = we.shape()[0];
            int dModel = we.shape()[1];
            int heads = wq.shape()[0];
            int dHead = wq.shape()[2];
            int vocabOut = wu.shape()[1];
            if (wu.shape()[0] != dModel || wq.shape()[1] != dModel || !Arrays.equals(wk.shape(), wq.shape())
                    || !Arrays.equals(wv.shape(), wq.shape())
                    || !Arrays.equals(wo.shape(), new int[] {heads, dHead, dModel})) {
                return null;
            }
            double[] e = we.doubles();
            double[] u = wu.doubles();
            double[][] ov = new double[heads][];
            double[][] qk = new double[heads][];
            for (int h = 0; h < heads; h++) {
                double[] q = matmul(e, vocab, dModel, block(wq, h), dHead);              // [vocab, d_head]
                double[] k = matmul(e, vocab, dModel, block(wk, h), dHead);
                double[] v = matmul(e, vocab, dModel, block(wv, h), dHead);
                double[] vo = matmul(v, vocab, dHead, block(wo, h), dModel);            // [vocab, d_model]
                ov[h] = matmul(vo, vocab, dModel, u, vocabOut);                          // [vocab, vocab_out]
                qk[h] = matmulTransposed(q, k, vocab, dHead);                            // [vocab, vocab]
            }
            return new HeadCircuits(ov, qk);
        }

        /** The h-th [rows, cols] matrix of a [heads, rows, cols] tensor. */
        private static double[] block(Tensor t, int h) {
            int size = t.shape()[1] * t.shape()[2];
            double[] out = new double[size];
            for (int i = 0; i < size; i++) out[i] = t.doubleAt(h * size + i);
            return out;
        }

        /** [n, k] x [k, m]. */
        private static double[] matmul(double[] x, int n, int k, double[] y, int m) {
            double[] out = new double[n * m];
            for (int i = 0; i < n; i++) {
                for (int l = 0; l < k; l++) {
                    double xil = x[i * k + l];
                    if (xil == 0) continue;
                    int yo = l * m;
                    int oo = i * m;
                    for (int j = 0; j < m; j++) out[oo + j] += xil * y[yo + j];
                }
            }
            return out;
        }

        /** [n, k] x [n, k]^T. */
        private static double[] matmulTransposed(double[] x, double[] y, int n, int k) {
            double[] out = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int l = 0; l < k; l++) s += x[i * k + l] * y[j * k + l];
                    out[i * n + j] = s;
                }
            }
            return out;
        }
    }
}
