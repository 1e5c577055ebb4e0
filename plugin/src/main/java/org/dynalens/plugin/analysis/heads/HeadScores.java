package org.dynalens.plugin.analysis.heads;

import org.dynalens.plugin.model.ModelConfig;

import java.util.EnumMap;
import java.util.Map;

/**
 * Scores that say what an attention head does, from its patterns (Olsson et al. 2022, "In-context learning and
 * induction heads"; ANCHORS.md section 2). Each is a mean over queries of the attention mass a query puts on the
 * positions the pattern of interest selects, so a head that does exactly that scores 1 and uniform causal attention
 * scores the mean of 1/(q+1)-like fractions:
 * <ul>
 * <li>previous-token: attention from q to q - 1, mean over q &gt;= 1;</li>
 * <li>duplicate-token: attention from q to earlier positions j &lt; q holding the same token, mean over the queries
 *     that have such an earlier copy;</li>
 * <li>induction (prefix matching): attention from q to j + 1 for every earlier copy j &lt; q - 1 of q's token, i.e.
 *     to the token that followed the earlier occurrence; mean over the queries that have such a j. On random tokens
 *     repeated twice (no repeats inside a half) these are exactly the second-half queries and the score is Olsson
 *     et al.'s mean attention from each second-half token to the token after its earlier copy.</li>
 * </ul>
 * {@link #transformerLensScore} gives TransformerLens's {@code head_detector} form {@code sum(A * P) / sum(A)} over
 * every query (a perfect induction head scores about half there, since first-half queries count in the
 * denominator).
 */
public final class HeadScores {

    /** The positions a kind of head attends to. */
    public enum Kind {
        PREVIOUS_TOKEN, DUPLICATE_TOKEN, INDUCTION
    }

    private HeadScores() {
    }

    public static double previousToken(AttentionPatterns p, int head) {
        return meanScore(p, head, Kind.PREVIOUS_TOKEN);
    }

    public static double duplicateToken(AttentionPatterns p, int head) {
        return meanScore(p, head, Kind.DUPLICATE_TOKEN);
    }

    public static double induction(AttentionPatterns p, int head) {
        return meanScore(p, head, Kind.INDUCTION);
    }

    /**
     * Mean over the queries that have at least one selected key of the attention mass on the selected keys;
     * NaN when no query has one.
     */
    public static double meanScore(AttentionPatterns p, int head, Kind kind) {
        double total = 0;
        long queries = 0;
        boolean[] selected = new boolean[p.n()];
        for (int b = 0; b < p.batch(); b++) {
            for (int q = 0; q < p.n(); q++) {
                if (!select(p, b, q, kind, selected)) continue;
                double mass = 0;
                for (int k = 0; k <= q; k++) if (selected[k]) mass += p.at(b, head, q, k);
                total += mass;
                queries++;
            }
        }
        return queries == 0 ? Double.NaN : total / queries;
    }

    /**
     * The best of a [layers, heads] row-major array of induction scores over the heads that can be induction heads:
     * those of layer 1 and above, since the circuit needs an earlier layer to compose with; every head of a 1-layer
     * model, and every head of a model with smeared keys, where one head can do it alone (Olsson et al. 2022).
     */
    public static double inductionMax(double[] scores, ModelConfig model) {
        int layers = model.nLayers(), heads = model.nHeads();
        double best = Double.NEGATIVE_INFINITY;
        for (int i = layers == 1 || model.smearedKeys() ? 0 : heads; i < layers * heads; i++) best = Math.max(best, scores[i]);
        return best;
    }

    /**
     * Induction score on sequences that repeat with period {@code period} (the token at q is the token at q - period):
     * mean over q in [period, n) of the attention from q to q - period + 1, the token after q's earlier copy. On random
     * tokens without repeats inside a period this is {@link #induction}; on real data repeated verbatim it credits
     * only the exact copy, not every earlier occurrence of a frequent token.
     */
    public static double repeatTarget(AttentionPatterns p, int head, int period) {
        if (period < 1 || period >= p.n()) {
            throw new IllegalArgumentException("period must be in [1, " + p.n() + "), got " + period);
        }
        double total = 0;
        for (int b = 0; b < p.batch(); b++) {
            for (int q = period; q < p.n(); q++) total += p.at(b, head, q, q - period + 1);
        }
        return total / ((double) p.batch() * (p.n() - period));
    }

    /**
     * The score of every kind that a head with uniform causal attention (1/(q+1) on each of the keys 0..q) gets on
     * {@code tokens} ([sequences, n] row-major): the level a learned head's score must clear to mean anything.
     */
    public static Map<Kind, Double> uniformAttentionScores(int sequences, int[] tokens) {
        int n = tokens.length / sequences;
        float[] uniform = new float[sequences * n * n];
        for (int b = 0; b < sequences; b++) {
            for (int q = 0; q < n; q++) {
                for (int k = 0; k <= q; k++) uniform[(b * n + q) * n + k] = 1f / (q + 1);
            }
        }
        AttentionPatterns patterns = new AttentionPatterns(sequences, 1, n, uniform, tokens);
        Map<Kind, Double> out = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) out.put(kind, meanScore(patterns, 0, kind));
        return out;
    }

    /**
     * TransformerLens {@code head_detector} ("mul" mode): {@code sum(A * P) / sum(A)} with P the 0/1 pattern of the
     * kind, summed over the whole batch and every query.
     */
    public static double transformerLensScore(AttentionPatterns p, int head, Kind kind) {
        double hit = 0, all = 0;
        boolean[] selected = new boolean[p.n()];
        for (int b = 0; b < p.batch(); b++) {
            for (int q = 0; q < p.n(); q++) {
                boolean any = select(p, b, q, kind, selected);
                for (int k = 0; k <= q; k++) {
                    double a = p.at(b, head, q, k);
                    all += a;
                    if (any && selected[k]) hit += a;
                }
            }
        }
        return hit / all;
    }

    /** Fills {@code selected[0..q]} with the keys query q of sequence b should attend to; returns whether any. */
    private static boolean select(AttentionPatterns p, int b, int q, Kind kind, boolean[] selected) {
        java.util.Arrays.fill(selected, false);
        boolean any = false;
        switch (kind) {
            case PREVIOUS_TOKEN -> {
                if (q >= 1) any = selected[q - 1] = true;
            }
            case DUPLICATE_TOKEN -> {
                for (int j = 0; j < q; j++) {
                    if (p.token(b, j) == p.token(b, q)) any = selected[j] = true;
                }
            }
            case INDUCTION -> {
                for (int j = 0; j + 1 < q; j++) {
                    if (p.token(b, j) == p.token(b, q)) any = selected[j + 1] = true;
                }
            }
        }
        return any;
    }
}
