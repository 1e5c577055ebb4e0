package org.dynalens.plugin.task;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Sparse parity (Barak et al. 2022, "Hidden progress in deep learning"): {@code n_bits} uniform random bits followed
 * by {@code =}; the target at {@code =} is the XOR of a fixed secret subset of {@code k} of the bit positions. The
 * subset is drawn from the run's seed (the same for every batch of a run), so each seed is its own instance.
 * Tokens: 0, 1 and 2 ({@code =}); only the last position counts for the loss.
 *
 * <p>Settings: {@code n_bits} (default 20), {@code k} (default 3).
 */
public final class SparseParity implements SequenceTask {

    public static final int EQUALS = 2;
    private final int nBits;
    private final int k;

    public SparseParity(int nBits, int k) {
        if (nBits < 1) throw new IllegalArgumentException("n_bits must be >= 1, got " + nBits);
        if (k < 1 || k > nBits) throw new IllegalArgumentException("k must be in [1, n_bits = " + nBits + "], got " + k);
        this.nBits = nBits;
        this.k = k;
    }

    @Override
    public String name() {
        return "sparse-parity";
    }

    @Override
    public int vocab() {
        return 3;
    }

    @Override
    public int contextLength() {
        return nBits + 1;
    }

    /** The secret bit positions of a run with this seed, sorted. */
    public int[] secretBits(long seed) {
        int[] s = Arrays.copyOf(Batches.permutation(nBits, Batches.random(seed, -1)), k);
        Arrays.sort(s);
        return s;
    }

    @Override
    public SequenceBatch batch(long seed, long step, int batchSize) {
        int[] secret = secretBits(seed);
        SplittableRandom rng = Batches.random(seed, step);
        int n = contextLength();
        SequenceBatch b = SequenceBatch.empty(batchSize, n);
        for (int r = 0; r < batchSize; r++) {
            for (int i = 0; i < nBits; i++) b.tokens()[r * n + i] = rng.nextInt(2);
            b.tokens()[r * n + nBits] = EQUALS;
            int parity = 0;
            for (int i : secret) parity ^= b.tokens()[r * n + i];
            b.count(r, nBits, parity);
        }
        return b;
    }

    public static final class Factory implements SequenceTaskFactory {
        @Override
        public String name() {
            return "sparse-parity";
        }

        @Override
        public String description() {
            return "XOR of a secret k of n_bits random bits (Barak et al. 2022; default k 3 of 20)";
        }

        @Override
        public SequenceTask create(Map<String, Object> settings) {
            int nBits = Batches.intSetting(settings, "n_bits", 20, 1, 4096);
            return new SparseParity(nBits, Batches.intSetting(settings, "k", 3, 1, nBits));
        }
    }
}
