package org.dynalens.plugin.task;

import java.util.Map;

/** {@code (a + b) mod p}: the grokking task of Power et al. 2022 and Nanda et al. 2023. */
public final class ModularAddition extends ModularArithmetic {

    public ModularAddition(int p) {
        super(p);
    }

    @Override
    public String name() {
        return "mod-add";
    }

    @Override
    protected int apply(int a, int b) {
        return a + b;
    }

    @Override
    public java.util.Optional<int[]> linearForm() {
        return java.util.Optional.of(new int[] {1, 1});
    }

    public static final class Factory implements TaskFactory {
        @Override
        public String name() {
            return "mod-add";
        }

        @Override
        public String description() {
            return "(a + b) mod p, input [a, b, =] (Nanda et al. 2023)";
        }

        @Override
        public Task create(Map<String, Object> settings) {
            return new ModularAddition(primeSetting(settings));
        }
    }
}
