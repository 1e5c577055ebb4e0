package org.dynalens.plugin.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import org.dynalens.plugin.model.Djl;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Local learning coefficient estimated by SGLD (Lau et al. 2023, "Quantifying degeneracy in singular models via the
 * learning coefficient", eq. 3 and Algorithm 1; the devinterp implementation):
 *
 * <pre>
 *   w_{t+1} = w_t - (eps / 2) * (n*beta * grad L_n(w_t) + gamma * (w_t - w*)) + N(0, eps)
 *   lambda_hat(w*) = n*beta * (mean_t L_n(w_t) - L_n(w*))
 * </pre>
 *
 * averaged over {@code chains} chains of {@code draws} steps after {@code burnIn} discarded steps, every chain
 * starting at w*. The loss is the full-batch loss (devinterp samples minibatches; with the whole training set the
 * gradient is exact and the estimate does not depend on a batch order). The Gaussian noise comes from
 * {@link Random} seeded with {@code seed + chain}, so the estimate is deterministic for a given w*.
 */
public final class Sgld {

    /**
     * SGLD settings. Defaults of {@link #grokking()}: the devinterp grokking example (ANCHORS.md section 3).
     *
     * @param epsilon step size
     * @param gamma   localisation strength (pull towards w*)
     * @param nBeta   n times the inverse temperature
     */
    public record Settings(double epsilon, double gamma, double nBeta, int chains, int draws, int burnIn, long seed) {
        public Settings {
            if (!(epsilon > 0)) throw new IllegalArgumentException("SGLD epsilon must be > 0, got " + epsilon);
            if (!(gamma >= 0)) throw new IllegalArgumentException("SGLD gamma must be >= 0, got " + gamma);
            if (!(nBeta > 0)) throw new IllegalArgumentException("SGLD n*beta must be > 0, got " + nBeta);
            if (chains < 1 || draws < 1 || burnIn < 0) {
                throw new IllegalArgumentException("SGLD needs chains >= 1, draws >= 1, burn-in >= 0; got " + chains
                        + ", " + draws + ", " + burnIn);
            }
        }

        /** epsilon 3e-3, gamma 5, n*beta 2; 2 chains of 100 draws, no burn-in, seed 0. */
        public static Settings grokking() {
            return new Settings(3e-3, 5, 2, 2, 100, 0, 0);
        }
    }

    /** A loss of the parameters: returns L_n(w) and leaves its gradient in the parameters' gradient arrays. */
    @FunctionalInterface
    public interface Loss {
        double valueAndBackward(Map<String, NDArray> params, GradientCollector collector);
    }

    /** The estimate and what it came from. */
    public record Estimate(double llc, double lossAtOptimum, double meanLoss) {
    }

    private Sgld() {
    }

    /**
     * Samples around the parameters' current values (w*, which are restored afterwards) and returns the estimate.
     * The parameters must require gradients; all arrays of a step are freed at its end.
     */
    public static Estimate estimate(Map<String, NDArray> params, Loss loss, Settings s, NDManager manager) {
        Map<String, float[]> optimum = new LinkedHashMap<>();
        params.forEach((name, w) -> optimum.put(name, w.toFloatArray()));
        double lossAtOptimum;
        try (NDScope ignored = new NDScope()) {
            lossAtOptimum = lossAndGradient(params, loss);
            zeroGradients(params);
        }
        float stepGrad = (float) (s.epsilon() / 2 * s.nBeta());
        float stepPull = (float) (s.epsilon() / 2 * s.gamma());
        double noiseScale = Math.sqrt(s.epsilon());
        double sum = 0;
        long count = 0;
        try {
            for (int chain = 0; chain < s.chains(); chain++) {
                params.forEach((name, w) -> w.set(optimum.get(name)));
                Random rng = new Random(s.seed() + chain);
                for (int t = 0; t < s.burnIn() + s.draws(); t++) {
                    try (NDScope ignored = new NDScope()) {
                        double l = lossAndGradient(params, loss);
                        if (!Double.isFinite(l)) {
                            throw new IllegalStateException("SGLD diverged (loss " + l + " at chain " + chain + ", step " + t
                                    + "); use a smaller epsilon or a larger gamma");
                        }
                        if (t >= s.burnIn()) {
                            sum += l;
                            count++;
                        }
                        for (Map.Entry<String, NDArray> e : params.entrySet()) {
                            NDArray w = e.getValue();
                            try (NDArray g = w.getGradient()) {
                                float[] star = optimum.get(e.getKey());
                                NDArray pull = w.sub(manager.create(star, w.getShape())).muli(stepPull);
                                float[] noise = new float[star.length];
                                for (int i = 0; i < noise.length; i++) noise[i] = (float) (rng.nextGaussian() * noiseScale);
                                w.subi(g.mul(stepGrad).addi(pull)).addi(manager.create(noise, w.getShape()));
                                g.subi(g);
                            }
                        }
                    }
                }
            }
        } finally {
            params.forEach((name, w) -> w.set(optimum.get(name)));
        }
        double meanLoss = sum / count;
        return new Estimate(s.nBeta() * (meanLoss - lossAtOptimum), lossAtOptimum, meanLoss);
    }

    private static double lossAndGradient(Map<String, NDArray> params, Loss loss) {
        try (GradientCollector collector = Djl.engine().newGradientCollector()) {
            return loss.valueAndBackward(params, collector);
        }
    }

    private static void zeroGradients(Map<String, NDArray> params) {
        for (NDArray w : params.values()) {
            try (NDArray g = w.getGradient()) {
                g.subi(g);
            }
        }
    }
}
