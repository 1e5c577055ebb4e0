package org.dynalens.plugin.analysis.heads;

import org.dynalens.plugin.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Head scores on hand-built attention patterns whose scores are known in closed form. */
class InductionHeadScoresTest {

    /** One sequence: tokens 0..L-1 then 0..L-1 again (no repeats inside a half). */
    private static int[] repeated(int half) {
        int[] t = new int[2 * half];
        for (int i = 0; i < half; i++) t[i] = t[half + i] = i;
        return t;
    }

    /** A single-head pattern where query q puts all its attention on key target[q]. */
    private static AttentionPatterns oneHot(int[] tokens, int[] target) {
        int n = tokens.length;
        float[] v = new float[n * n];
        for (int q = 0; q < n; q++) v[q * n + target[q]] = 1;
        return new AttentionPatterns(1, 1, n, v, tokens);
    }

    private static AttentionPatterns uniform(int[] tokens) {
        int n = tokens.length;
        float[] v = new float[n * n];
        for (int q = 0; q < n; q++) for (int k = 0; k <= q; k++) v[q * n + k] = 1f / (q + 1);
        return new AttentionPatterns(1, 1, n, v, tokens);
    }

    @Test
    void perfectPreviousTokenHeadScoresOne() {
        int[] tokens = repeated(8);
        int[] target = new int[16];
        for (int q = 1; q < 16; q++) target[q] = q - 1; // query 0 can only attend to itself
        AttentionPatterns p = oneHot(tokens, target);
        assertEquals(1.0, HeadScores.previousToken(p, 0), 1e-12);
        assertEquals(0.0, HeadScores.induction(p, 0), 1e-12);
        assertEquals(0.0, HeadScores.duplicateToken(p, 0), 1e-12);
    }

    @Test
    void perfectInductionHeadScoresOneByTheMeanAndAboutAHalfByTransformerLens() {
        int half = 8, n = 16;
        int[] tokens = repeated(half);
        int[] target = new int[n];
        for (int q = 0; q < n; q++) target[q] = q >= half ? q - half + 1 : 0; // the token after the earlier copy
        AttentionPatterns p = oneHot(tokens, target);
        assertEquals(1.0, HeadScores.induction(p, 0), 1e-12);
        assertEquals(0.0, HeadScores.duplicateToken(p, 0), 1e-12);
        // TransformerLens sum(A * P) / sum(A): the 8 second-half rows hit, all 16 rows count in the denominator
        assertEquals(0.5, HeadScores.transformerLensScore(p, 0, HeadScores.Kind.INDUCTION), 1e-12);
    }

    @Test
    void perfectDuplicateTokenHeadScoresOne() {
        int half = 6;
        int[] tokens = repeated(half);
        int[] target = new int[2 * half];
        for (int q = half; q < 2 * half; q++) target[q] = q - half;
        AttentionPatterns p = oneHot(tokens, target);
        assertEquals(1.0, HeadScores.duplicateToken(p, 0), 1e-12);
        assertEquals(0.0, HeadScores.induction(p, 0), 1e-12);
    }

    @Test
    void uniformCausalAttentionScoresTheClosedFormFractions() {
        int half = 8, n = 16;
        AttentionPatterns p = uniform(repeated(half));
        double prev = 0;
        for (int q = 1; q < n; q++) prev += 1.0 / (q + 1);
        assertEquals(prev / (n - 1), HeadScores.previousToken(p, 0), 1e-6);
        double second = 0; // each second-half query q has one earlier copy and one "next" position, weight 1/(q+1)
        for (int q = half; q < n; q++) second += 1.0 / (q + 1);
        assertEquals(second / half, HeadScores.induction(p, 0), 1e-6);
        assertEquals(second / half, HeadScores.duplicateToken(p, 0), 1e-6);
    }

    /** The baseline a run's report draws: the closed form on the run's own probe (n_ctx 128: (H_128 - H_64) / 64 = 0.0108). */
    @Test
    void uniformBaselineOfAProbeIsTheClosedForm() {
        for (int nCtx : new int[] {16, 128}) {
            int half = nCtx / 2;
            double prev = 0, second = 0;
            for (int q = 1; q < nCtx; q++) prev += 1.0 / (q + 1);
            for (int q = half; q < nCtx; q++) second += 1.0 / (q + 1);
            var scores = HeadScoreMeasure.uniformAttentionScores(nCtx, 1024, 7);
            assertEquals(prev / (nCtx - 1), scores.get(HeadScores.Kind.PREVIOUS_TOKEN), 1e-6);
            assertEquals(second / half, scores.get(HeadScores.Kind.INDUCTION), 1e-6, "n_ctx " + nCtx);
            assertEquals(second / half, scores.get(HeadScores.Kind.DUPLICATE_TOKEN), 1e-6);
        }
        assertEquals(0.01077, HeadScoreMeasure.uniformAttentionScores(128, 1024, 0).get(HeadScores.Kind.INDUCTION), 1e-5);
    }

    @Test
    void scoresAreMeansOverTheBatchAndHeads() {
        int n = 4;
        int[] tokens = {0, 1, 0, 1, 2, 3, 2, 3};
        float[] v = new float[2 * 2 * n * n];
        for (int b = 0; b < 2; b++) {
            for (int q = 0; q < n; q++) {
                v[((b * 2) * n + q) * n + Math.max(q - 1, 0)] = 1;  // head 0: previous token
                v[((b * 2 + 1) * n + q) * n + q] = 1;               // head 1: itself
            }
        }
        AttentionPatterns p = new AttentionPatterns(2, 2, n, v, tokens);
        assertEquals(1.0, HeadScores.previousToken(p, 0), 1e-12);
        assertEquals(0.0, HeadScores.previousToken(p, 1), 1e-12);
    }

    @Test
    void rolesUseTheDocumentedThreshold() {
        assertEquals(HeadRoles.INDUCTION, HeadRoles.flags(0.1, 0.0, 0.41));
        assertEquals(0, HeadRoles.flags(0.4, 0.4, 0.4));
        assertEquals(List.of("L0H1=previous-token", "L1H0=induction"),
                HeadRoles.names(new int[] {0, HeadRoles.PREVIOUS_TOKEN, HeadRoles.INDUCTION, 0}, 2));
    }

    @Test
    void phaseChangeIsTheFirstStepAtHalfTheRise() {
        long[] steps = {0, 10, 20, 30, 40, 50};
        double[] v = {0.05, 0.06, 0.10, 0.60, 0.85, 0.90};
        PhaseChange.Result r = PhaseChange.detect(steps, v, 0.3);
        assertEquals(30, r.step());          // midpoint 0.475 first reached at step 30
        assertEquals(30, r.fastestStep());   // +0.5 between 20 and 30
        assertEquals(30, r.fromStep());      // 10% of the rise (0.135): 0.10 at step 20 is still below
        assertEquals(40, r.toStep());        // 90% of the rise (0.815)
        assertNull(PhaseChange.detect(steps, new double[] {0.1, 0.1, 0.2, 0.2, 0.2, 0.2}, 0.3));
    }

    @Test
    void repeatTargetCreditsOnlyTheTokenAfterTheExactCopy() {
        int half = 8, n = 16;
        int[] target = new int[n];
        for (int q = 0; q < n; q++) target[q] = q >= half ? q - half + 1 : 0;
        assertEquals(1.0, HeadScores.repeatTarget(oneHot(repeated(half), target), 0, half), 1e-12);
        // a head that attends to the token after the *previous* copy inside the first half scores 0 here: tokens
        // 0 1 0 1 0 1 0 1 repeated; query q attends to q - 1 (which follows an earlier copy of q's token)
        int[] periodic = new int[n];
        for (int i = 0; i < n; i++) periodic[i] = i % 2;
        int[] previous = new int[n];
        for (int q = 1; q < n; q++) previous[q] = q - 1;
        assertEquals(0.0, HeadScores.repeatTarget(oneHot(periodic, previous), 0, half), 1e-12);
        double uniform = 0;
        for (int q = half; q < n; q++) uniform += 1.0 / (q + 1) / half;
        assertEquals(uniform, HeadScores.repeatTarget(uniform(repeated(half)), 0, half), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> HeadScores.repeatTarget(uniform(repeated(half)), 0, n));
    }

    @Test
    void inductionMaxSkipsLayerZeroUnlessItIsTheOnlyLayerOrKeysAreSmeared() {
        double[] twoLayers = {0.9, 0.8, 0.3, 0.5}; // [2 layers, 2 heads]: layer 0 cannot compose with anything
        assertEquals(0.5, HeadScores.inductionMax(twoLayers, model(2, false)), 0);
        assertEquals(0.9, HeadScores.inductionMax(new double[] {0.9, 0.8}, model(1, false)), 0);
        assertEquals(0.9, HeadScores.inductionMax(twoLayers, model(2, true)), 0); // one smeared head suffices
    }

    private static ModelConfig model(int layers, boolean smearedKeys) {
        return new ModelConfig(layers, 4, 2, 2, 1, 4, 4, 4, true, false, ModelConfig.PositionalEmbedding.STANDARD,
                smearedKeys);
    }
}
