package org.dynalens.plugin.task;

import java.util.Map;

/**
 * {@code (a * b) mod p}, one of the algorithmic tasks of Power et al. 2022 ("x * y"); pairs with a zero factor all
 * map to 0.
 */
public final class ModularMultiplication extends ModularArithmetic {

    public ModularMultiplication(int p) {
        super(p);
    }

    @Override
    public String name() {
        return "mod-mul";
    }

    @Override
    protected int apply(int a, int b) {
        return a * b;
    }

    public static final class Factory implements TaskFactory {
        @Override
        public String name() {
            return "mod-mul";
        }

        @Override
        public String description() {
            return "(a * b) mod p, input [a, b, =] (Power et al. 2022)";
        }

        @Override
        public Task create(Map<String, Object> settings) {
            return new ModularMultiplication(primeSetting(settings));
        }
    }
}
