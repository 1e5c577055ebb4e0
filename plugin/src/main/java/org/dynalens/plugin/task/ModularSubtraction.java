package org.dynalens.plugin.task;

import java.util.Map;

/**
 * {@code (a - b) mod p}, one of the algorithmic tasks of Power et al. 2022 ("x - y"); unlike addition it is not
 * commutative.
 */
public final class ModularSubtraction extends ModularArithmetic {

    public ModularSubtraction(int p) {
        super(p);
    }

    @Override
    public String name() {
        return "mod-sub";
    }

    @Override
    protected int apply(int a, int b) {
        return a - b;
    }

    public static final class Factory implements TaskFactory {
        @Override
        public String name() {
            return "mod-sub";
        }

        @Override
        public String description() {
            return "(a - b) mod p, input [a, b, =] (Power et al. 2022)";
        }

        @Override
        public Task create(Map<String, Object> settings) {
            return new ModularSubtraction(primeSetting(settings));
        }
    }
}
