package org.dynalens.plugin.task;

import java.util.Map;

/**
 * {@code (a^2 + b^2) mod p}, one of the algorithmic tasks of Power et al. 2022 ("x^2 + y^2"); no int overflow for
 * p <= 1000.
 */
public final class ModularSquareSum extends ModularArithmetic {

    public ModularSquareSum(int p) {
        super(p);
    }

    @Override
    public String name() {
        return "mod-sq-add";
    }

    @Override
    protected int apply(int a, int b) {
        return a * a + b * b;
    }

    public static final class Factory implements TaskFactory {
        @Override
        public String name() {
            return "mod-sq-add";
        }

        @Override
        public String description() {
            return "(a^2 + b^2) mod p, input [a, b, =] (Power et al. 2022)";
        }

        @Override
        public Task create(Map<String, Object> settings) {
            return new ModularSquareSum(primeSetting(settings));
        }
    }
}
