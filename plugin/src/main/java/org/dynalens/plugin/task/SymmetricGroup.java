package org.dynalens.plugin.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Composition in the symmetric group S_n (registered for n = 5: S5, 120 elements, as in Chughtai et al. 2023).
 *
 * <p>Element k is the k-th permutation of {0, ..., n-1} in lexicographic order of its one-line notation
 * {@code [g(0), ..., g(n-1)]}: element 0 is the identity, element n! - 1 the reversal. The product is composition
 * of maps, {@code (g * h)(i) = g(h(i))}: h is applied first.
 */
public final class SymmetricGroup extends FiniteGroupComposition {

    private final int degree;
    private final int[][] permutations; // element -> one-line notation
    private final int[] elementOfCode;  // base-n code of a permutation -> element

    public SymmetricGroup(int degree) {
        super(factorial(degree));
        this.degree = degree;
        List<int[]> perms = new ArrayList<>();
        permute(new int[degree], new boolean[degree], 0, perms);
        this.permutations = perms.toArray(new int[0][]);
        this.elementOfCode = new int[(int) Math.pow(degree, degree)];
        for (int k = 0; k < permutations.length; k++) elementOfCode[code(permutations[k])] = k;
        buildTable();
    }

    private static int factorial(int n) {
        if (n < 1 || n > 6) throw new IllegalArgumentException("degree of S_n must be in [1, 6], got " + n);
        int f = 1;
        for (int i = 2; i <= n; i++) f *= i;
        return f;
    }

    /** Appends every permutation with the given prefix, in lexicographic order. */
    private static void permute(int[] prefix, boolean[] used, int pos, List<int[]> out) {
        if (pos == prefix.length) {
            out.add(prefix.clone());
            return;
        }
        for (int v = 0; v < prefix.length; v++) {
            if (used[v]) continue;
            used[v] = true;
            prefix[pos] = v;
            permute(prefix, used, pos + 1, out);
            used[v] = false;
        }
    }

    private int code(int[] perm) {
        int c = 0;
        for (int v : perm) c = c * degree + v;
        return c;
    }

    @Override
    public String name() {
        return "s" + degree;
    }

    /** The one-line notation {@code [g(0), ..., g(n-1)]} of an element. */
    public int[] permutation(int element) {
        return permutations[element].clone();
    }

    /** The element with the given one-line notation. */
    public int element(int[] permutation) {
        boolean[] seen = new boolean[degree];
        boolean ok = permutation.length == degree;
        for (int i = 0; ok && i < degree; i++) {
            int v = permutation[i];
            ok = v >= 0 && v < degree && !seen[v];
            if (ok) seen[v] = true;
        }
        if (!ok) {
            throw new IllegalArgumentException("not a permutation of 0.." + (degree - 1) + ": "
                    + Arrays.toString(permutation));
        }
        return elementOfCode[code(permutation)];
    }

    @Override
    protected int multiply(int g, int h) {
        int[] pg = permutations[g], ph = permutations[h], gh = new int[degree];
        for (int i = 0; i < degree; i++) gh[i] = pg[ph[i]];
        return elementOfCode[code(gh)];
    }

    /** {@code s5}; it has no settings, so the {@code p} that every run config carries is ignored. */
    public static final class Factory implements TaskFactory {
        @Override
        public String name() {
            return "s5";
        }

        @Override
        public String description() {
            return "composition g*h in S5 (120 permutations in lexicographic order, (g*h)(i) = g(h(i))),"
                    + " input [g, h, =]; ignores p (Chughtai et al. 2023)";
        }

        @Override
        public Task create(Map<String, Object> settings) {
            return new SymmetricGroup(5);
        }
    }
}
