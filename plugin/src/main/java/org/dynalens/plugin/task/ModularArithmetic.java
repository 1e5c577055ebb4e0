package org.dynalens.plugin.task;

import java.util.Map;

/**
 * Binary operations modulo a prime p, in the format of Nanda et al. 2023: input {@code [a, b, =]} with the
 * {@code =} token numbered p (input vocabulary p + 1), label {@code op(a, b) mod p} (output vocabulary p). Subclasses
 * define only the operation and which pairs are valid.
 */
public abstract class ModularArithmetic implements Task {

    protected final int p;

    protected ModularArithmetic(int p) {
        if (p < 2 || !isPrime(p)) throw new IllegalArgumentException("p must be a prime, got " + p);
        if (p > 1000) throw new IllegalArgumentException("p must be at most 1000 (p^2 examples), got " + p);
        this.p = p;
    }

    /** Reads the prime {@code p} from task settings (default 113). */
    protected static int primeSetting(Map<String, Object> settings) {
        Object v = settings.getOrDefault("p", 113);
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new IllegalArgumentException("p must be an integer prime, got " + v);
        }
        return n.intValue();
    }

    public int p() {
        return p;
    }

    /** The {@code =} token. */
    public int equalsToken() {
        return p;
    }

    /** The label for the pair, in [0, p). */
    protected abstract int apply(int a, int b);

    /**
     * When the label is a linear form {@code (c_a a + c_b b) mod p}, its coefficients {@code {c_a, c_b}}; empty
     * otherwise. Analyses of the Fourier algorithm (Nanda et al. 2023 sec. 4: logits as cos(w_k(a + b - c))) need
     * this "answer direction"; for non-linear operations (x*y, x^2+y^2) those measures do not apply.
     */
    public java.util.Optional<int[]> linearForm() {
        return java.util.Optional.empty();
    }

    /** Whether the pair is part of the task (e.g. division excludes b = 0). */
    protected boolean accepts(int a, int b) {
        return true;
    }

    @Override
    public int inputVocab() {
        return p + 1;
    }

    @Override
    public int outputVocab() {
        return p;
    }

    @Override
    public int contextLength() {
        return 3;
    }

    /** All accepted pairs in row-major (a, b) order. */
    @Override
    public Examples allExamples() {
        int n = 0;
        for (int a = 0; a < p; a++) for (int b = 0; b < p; b++) if (accepts(a, b)) n++;
        int[] tokens = new int[3 * n];
        int[] labels = new int[n];
        int i = 0;
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                if (!accepts(a, b)) continue;
                tokens[3 * i] = a;
                tokens[3 * i + 1] = b;
                tokens[3 * i + 2] = p;
                labels[i++] = Math.floorMod(apply(a, b), p);
            }
        }
        return new Examples(3, tokens, labels);
    }

    static boolean isPrime(int n) {
        if (n < 2) return false;
        for (int d = 2; (long) d * d <= n; d++) if (n % d == 0) return false;
        return true;
    }
}
