package org.dynalens.plugin.task;

import java.util.Map;

/**
 * {@code (a / b) mod p}, one of the algorithmic tasks of Power et al. 2022 ("x / y", y != 0): a times the
 * multiplicative inverse of b, which exists for every b != 0 because p is prime.
 */
public final class ModularDivision extends ModularArithmetic {

    public ModularDivision(int p) {
        super(p);
    }

    @Override
    public String name() {
        return "mod-div";
    }

    @Override
    protected int apply(int a, int b) {
        return a * inverse(b);
    }

    /** Division by zero is undefined: the task has the p * (p - 1) pairs with b != 0. */
    @Override
    protected boolean accepts(int a, int b) {
        return b != 0;
    }

    /** The inverse of b modulo the prime p, b^(p-2) by Fermat's little theorem. */
    int inverse(int b) {
        long result = 1, base = Math.floorMod(b, p);
        for (int e = p - 2; e > 0; e >>= 1) {
            if ((e & 1) == 1) result = result * base % p;
            base = base * base % p;
        }
        return (int) result;
    }

    public static final class Factory implements TaskFactory {
        @Override
        public String name() {
            return "mod-div";
        }

        @Override
        public String description() {
            return "(a / b) mod p = a * b^-1 mod p for b != 0, input [a, b, =] (Power et al. 2022)";
        }

        @Override
        public Task create(Map<String, Object> settings) {
            return new ModularDivision(primeSetting(settings));
        }
    }
}
