package org.dynalens.plugin.analysis.heads;

/**
 * Attention patterns of one layer as plain Java: {@code values} is row-major [batch, heads, query, key], each row
 * the softmax weights of one query over the keys (zero above the diagonal under a causal mask), together with the
 * tokens they were computed on ([batch, n] row-major).
 */
public record AttentionPatterns(int batch, int heads, int n, float[] values, int[] tokens) {

    public AttentionPatterns {
        if (values.length != (long) batch * heads * n * n) {
            throw new IllegalArgumentException("pattern values must be [" + batch + ", " + heads + ", " + n + ", " + n + "]");
        }
        if (tokens.length != batch * n) throw new IllegalArgumentException("tokens must be [" + batch + ", " + n + "]");
    }

    /** Attention of head {@code h} from query position {@code q} to key position {@code k} in sequence {@code b}. */
    public double at(int b, int h, int q, int k) {
        return values[((b * heads + h) * n + q) * n + k];
    }

    public int token(int b, int i) {
        return tokens[b * n + i];
    }
}
