package org.dynalens.plugin.task;

import java.util.Map;

/**
 * Composition in the dihedral group D_n, the 2n symmetries of a regular n-gon (Chughtai et al. 2023 use D_59).
 *
 * <p>Numbering: element k in [0, n) is the rotation r^k, element n + k is the reflection s r^k, where r maps
 * vertex i to i + 1 and s maps i to -i (mod n). The product is composition of maps, {@code (g * h)(i) = g(h(i))};
 * from {@code r^n = s^2 = 1} and {@code r s = s r^-1} it follows that
 * {@code (s^f1 r^a)(s^f2 r^b) = s^(f1 xor f2) r^(b + (f2 ? -a : a))}, e.g. {@code r^a * s r^b = s r^(b - a)}.
 *
 * <p>n comes from the {@code p} setting (any integer n >= 3, not necessarily prime; default 59 without it).
 */
public final class DihedralGroup extends FiniteGroupComposition {

    /** Caps |G|^2 examples at 10^6, as {@link ModularArithmetic} caps p. */
    public static final int MAX_N = 500;

    private final int n;

    public DihedralGroup(int n) {
        super(checked(n) * 2);
        this.n = n;
        buildTable();
    }

    private static int checked(int n) {
        if (n < 3 || n > MAX_N) {
            throw new IllegalArgumentException("p (the n of the dihedral group D_n) must be in [3, " + MAX_N + "], got "
                    + n);
        }
        return n;
    }

    public int n() {
        return n;
    }

    @Override
    public String name() {
        return "dihedral";
    }

    /** The element s^flip r^rotation. */
    public int element(boolean flip, int rotation) {
        return (flip ? n : 0) + Math.floorMod(rotation, n);
    }

    public boolean isReflection(int element) {
        return element >= n;
    }

    public int rotation(int element) {
        return element % n;
    }

    @Override
    protected int multiply(int g, int h) {
        int a = rotation(g), b = rotation(h);
        boolean hFlips = isReflection(h);
        // moving r^a right past the reflection in h inverts it: r^a s = s r^-a
        return element(isReflection(g) ^ hFlips, b + (hFlips ? -a : a));
    }

    public static final class Factory implements TaskFactory {
        @Override
        public String name() {
            return "dihedral";
        }

        @Override
        public String description() {
            return "composition g*h in the dihedral group D_n with n = p (2n elements: r^k, then s r^k),"
                    + " input [g, h, =] (Chughtai et al. 2023)";
        }

        @Override
        public Task create(Map<String, Object> settings) {
            return new DihedralGroup(intSetting(settings, "p", 59));
        }
    }
}
