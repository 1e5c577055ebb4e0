package org.dynalens.plugin.task;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * In-context learning of Markov chains (Edelman et al. 2024, "The evolution of statistical induction heads"):
 * every sequence has its own transition matrix over {@code vocab} states, each row drawn from a symmetric
 * Dirichlet(alpha) prior; the first state is drawn from that chain's stationary distribution and the rest follow
 * the chain. Since the matrix is new for every sequence, a model can only do well by estimating the bigram
 * statistics of the context so far (the Bayes-optimal predictor is the Dirichlet posterior mean
 * {@code (count(a -> b) + alpha) / (count(a -> *) + vocab * alpha)}).
 *
 * <p>Settings: {@code vocab} (number of states, default 3), {@code n_ctx} (default 100, as in the paper),
 * {@code alpha} (Dirichlet concentration, default 1: uniform over transition rows).
 */
public final class MarkovChainIcl implements SequenceTask {

    private final int states;
    private final int nCtx;
    private final double alpha;

    public MarkovChainIcl(int states, int nCtx, double alpha) {
        if (states < 2) throw new IllegalArgumentException("vocab (number of states) must be >= 2, got " + states);
        if (nCtx < 2) throw new IllegalArgumentException("n_ctx must be >= 2, got " + nCtx);
        if (!(alpha > 0)) throw new IllegalArgumentException("alpha must be > 0, got " + alpha);
        this.states = states;
        this.nCtx = nCtx;
        this.alpha = alpha;
    }

    @Override
    public String name() {
        return "markov-icl";
    }

    @Override
    public int vocab() {
        return states;
    }

    @Override
    public int contextLength() {
        return nCtx;
    }

    @Override
    public SequenceBatch batch(long seed, long step, int batchSize) {
        SplittableRandom rng = Batches.random(seed, step);
        SequenceBatch b = SequenceBatch.empty(batchSize, nCtx);
        double[][] transition = new double[states][states];
        for (int r = 0; r < batchSize; r++) {
            for (double[] row : transition) dirichlet(rng, alpha, row);
            int s = sample(rng, stationary(transition));
            for (int i = 0; i < nCtx; i++) {
                b.tokens()[r * nCtx + i] = s;
                s = sample(rng, transition[s]);
            }
        }
        b.countAllNextTokens();
        return b;
    }

    /** Fills {@code out} with a Dirichlet(alpha, ..., alpha) draw: normalised Gamma(alpha, 1) variates. */
    static void dirichlet(SplittableRandom rng, double alpha, double[] out) {
        double sum = 0;
        for (int i = 0; i < out.length; i++) sum += out[i] = gamma(rng, alpha);
        for (int i = 0; i < out.length; i++) out[i] /= sum;
    }

    /**
     * Gamma(shape, 1) by Marsaglia and Tsang (2000); for shape &lt; 1 the boost Gamma(shape + 1) * U^(1/shape).
     */
    static double gamma(SplittableRandom rng, double shape) {
        if (shape < 1) return gamma(rng, shape + 1) * Math.pow(1 - rng.nextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x, v;
            do {
                x = gaussian(rng);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = 1 - rng.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
        }
    }

    /** Standard normal by Box-Muller (SplittableRandom has no nextGaussian in Java 17). */
    private static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble(), v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** The stationary distribution by power iteration from uniform (rows of a Dirichlet draw are positive). */
    static double[] stationary(double[][] transition) {
        int k = transition.length;
        double[] pi = new double[k];
        java.util.Arrays.fill(pi, 1.0 / k);
        for (int it = 0; it < 200; it++) {
            double[] next = new double[k];
            for (int a = 0; a < k; a++) for (int b = 0; b < k; b++) next[b] += pi[a] * transition[a][b];
            pi = next;
        }
        return pi;
    }

    private static int sample(SplittableRandom rng, double[] probabilities) {
        double u = rng.nextDouble(), acc = 0;
        for (int i = 0; i < probabilities.length; i++) {
            acc += probabilities[i];
            if (u < acc) return i;
        }
        return probabilities.length - 1;
    }

    public static final class Factory implements SequenceTaskFactory {
        @Override
        public String name() {
            return "markov-icl";
        }

        @Override
        public String description() {
            return "Markov chains with a fresh Dirichlet transition matrix per sequence (Edelman et al. 2024)";
        }

        @Override
        public SequenceTask create(Map<String, Object> settings) {
            return new MarkovChainIcl(Batches.intSetting(settings, "vocab", 3, 2, 1024),
                    Batches.intSetting(settings, "n_ctx", 100, 2, 4096), Batches.positiveSetting(settings, "alpha", 1.0));
        }
    }
}
