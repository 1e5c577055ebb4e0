package org.dynalens.plugin.task;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random tokens repeated (Olsson et al. 2022, "In-context learning and induction heads"): each sequence draws a
 * length L uniformly from [{@code min_half}, n_ctx / 2] and L tokens uniformly with replacement from {@code vocab},
 * then repeats them until the context is full (token i = token i - L for i &gt;= L): a random sequence followed by the
 * same sequence again (and, for L &lt; n_ctx / 2, the start of a third copy). Every position predicts the next token;
 * positions before L are unpredictable (loss ~ ln vocab), positions from L on are predictable only by looking back
 * at the earlier copy, which is what induction heads do.
 *
 * <p>Why L varies: with one fixed L a layer-1 head can find "the token after the earlier copy" by position alone
 * (query minus L plus 1, from the learned positional embedding), without the previous-token head an induction
 * circuit composes with. We measured this shortcut: with L fixed the induction score rose to 0.9 while no layer-0
 * head became a previous-token head. Set {@code min_half = n_ctx / 2} for the fixed-length version.
 *
 * <p>Settings: {@code n_ctx} (even, default 32), {@code vocab} (default 32), {@code min_half} (default n_ctx / 4).
 */
public final class RepeatedTokens implements SequenceTask {

    private final int vocab;
    private final int half;
    private final int minHalf;

    public RepeatedTokens(int vocab, int nCtx) {
        this(vocab, nCtx, nCtx / 4);
    }

    public RepeatedTokens(int vocab, int nCtx, int minHalf) {
        if (vocab < 2) throw new IllegalArgumentException("vocab must be >= 2, got " + vocab);
        if (nCtx < 4 || nCtx % 2 != 0) throw new IllegalArgumentException("n_ctx must be even and >= 4 for repeated-tokens, got " + nCtx);
        if (minHalf < 2 || minHalf > nCtx / 2) {
            throw new IllegalArgumentException("min_half must be in [2, n_ctx / 2 = " + nCtx / 2 + "], got " + minHalf);
        }
        this.vocab = vocab;
        this.half = nCtx / 2;
        this.minHalf = minHalf;
    }

    @Override
    public String name() {
        return "repeated-tokens";
    }

    @Override
    public int vocab() {
        return vocab;
    }

    @Override
    public int contextLength() {
        return 2 * half;
    }

    /** The longest repeated length, n_ctx / 2. */
    public int half() {
        return half;
    }

    @Override
    public SequenceBatch batch(long seed, long step, int batchSize) {
        SplittableRandom rng = Batches.random(seed, step);
        int n = 2 * half;
        SequenceBatch b = SequenceBatch.empty(batchSize, n);
        for (int r = 0; r < batchSize; r++) {
            int length = minHalf + rng.nextInt(half - minHalf + 1);
            for (int i = 0; i < n; i++) {
                b.tokens()[r * n + i] = i < length ? rng.nextInt(vocab) : b.tokens()[r * n + i - length];
            }
        }
        b.countAllNextTokens();
        return b;
    }

    /**
     * {@code first_half}: positions 0..min_half - 2, whose next token is always random; {@code repeated_half}:
     * positions n_ctx / 2 .. n_ctx - 2, whose next token always repeats an earlier one.
     */
    @Override
    public Map<String, int[]> lossGroups() {
        Map<String, int[]> g = new LinkedHashMap<>();
        g.put("first_half", Batches.range(0, minHalf - 1));
        g.put("repeated_half", Batches.range(half, 2 * half - 1));
        return g;
    }

    public static final class Factory implements SequenceTaskFactory {
        @Override
        public String name() {
            return "repeated-tokens";
        }

        @Override
        public String description() {
            return "random tokens repeated; induction heads predict the repeat (Olsson et al. 2022)";
        }

        @Override
        public SequenceTask create(Map<String, Object> settings) {
            int nCtx = Batches.intSetting(settings, "n_ctx", 32, 4, 4096);
            return new RepeatedTokens(Batches.intSetting(settings, "vocab", 32, 2, 1 << 16), nCtx,
                    Batches.intSetting(settings, "min_half", nCtx / 4, 2, nCtx / 2));
        }
    }
}
