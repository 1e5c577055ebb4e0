package org.dynalens.plugin.task;

import java.util.Map;

/**
 * Composition in a finite group G, the tasks of Chughtai et al. 2023 ("A toy model of universality: reverse
 * engineering how networks learn group operations"), in the same format as {@link ModularArithmetic}: elements are
 * numbered 0..|G|-1, input {@code [g, h, =]} with the {@code =} token numbered |G| (input vocabulary |G| + 1), label
 * the number of {@code g * h} (output vocabulary |G|). Every ordered pair is an example. Subclasses define the
 * numbering and the product; the multiplication table is computed once.
 */
public abstract class FiniteGroupComposition implements Task {

    private final int order;
    private final int[] table; // row-major [g, h] -> g * h

    protected FiniteGroupComposition(int order) {
        this.order = order;
        this.table = new int[order * order];
    }

    /** Fills the table; subclasses call it at the end of their constructor, once their own fields are set. */
    protected final void buildTable() {
        for (int g = 0; g < order; g++) {
            for (int h = 0; h < order; h++) {
                int gh = multiply(g, h);
                if (gh < 0 || gh >= order) {
                    throw new IllegalStateException(g + " * " + h + " = " + gh + " is not an element");
                }
                table[g * order + h] = gh;
            }
        }
    }

    /** The product of elements g and h (g applied after h where elements are maps), computed from scratch. */
    protected abstract int multiply(int g, int h);

    /** Number of elements |G|. */
    public int order() {
        return order;
    }

    /** The product g * h from the table. */
    public int compose(int g, int h) {
        return table[g * order + h];
    }

    /** The {@code =} token. */
    public int equalsToken() {
        return order;
    }

    /** Reads an integer setting, rejecting non-integers with a message naming it. */
    protected static int intSetting(Map<String, Object> settings, String name, int defaultValue) {
        Object v = settings.getOrDefault(name, defaultValue);
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new IllegalArgumentException(name + " must be an integer, got " + v);
        }
        return n.intValue();
    }

    @Override
    public int inputVocab() {
        return order + 1;
    }

    @Override
    public int outputVocab() {
        return order;
    }

    @Override
    public int contextLength() {
        return 3;
    }

    /** All ordered pairs (g, h) in row-major order. */
    @Override
    public Examples allExamples() {
        int n = order * order;
        int[] tokens = new int[3 * n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[3 * i] = i / order;
            tokens[3 * i + 1] = i % order;
            tokens[3 * i + 2] = order;
            labels[i] = table[i];
        }
        return new Examples(3, tokens, labels);
    }
}
