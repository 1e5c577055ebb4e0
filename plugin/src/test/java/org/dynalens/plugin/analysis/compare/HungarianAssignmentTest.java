package org.dynalens.plugin.analysis.compare;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HungarianAssignmentTest {

    @Test
    void textbookExample() {
        double[][] cost = {{4, 1, 3}, {2, 0, 5}, {3, 2, 2}};
        int[] a = HungarianAssignment.minimise(cost);
        assertArrayEquals(new int[] {1, 0, 2}, a);
        assertEquals(5, total(cost, a));
    }

    @Test
    void matchesBruteForceOnRandomMatrices() {
        Random rng = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rng.nextInt(6);
            int m = n + rng.nextInt(3);
            double[][] cost = new double[n][m];
            for (double[] row : cost) for (int j = 0; j < m; j++) row[j] = rng.nextInt(5) == 0 ? 1.0 : rng.nextGaussian();
            int[] a = HungarianAssignment.minimise(cost);
            Set<Integer> columns = new HashSet<>();
            for (int c : a) assertTrue(c >= 0 && c < m && columns.add(c), "a valid assignment");
            assertEquals(bruteForce(cost, 0, new boolean[m]), total(cost, a), 1e-9, "trial " + trial);
        }
    }

    @Test
    void maximiseFindsTheBestSimilarity() {
        double[][] similarity = {{0.1, 0.9}, {0.8, 0.2}};
        assertArrayEquals(new int[] {1, 0}, HungarianAssignment.maximise(similarity));
    }

    @Test
    void recoversAPermutationOfHeadsAndHandlesMoreColumnsThanRows() {
        // heads of run b are those of run a in the order 2, 0, 3, 1: similarity 1 on the permutation, 0.2 elsewhere
        int[] perm = {2, 0, 3, 1};
        double[][] similarity = new double[4][4];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) similarity[i][j] = perm[i] == j ? 1 : 0.2;
        assertArrayEquals(perm, HungarianAssignment.maximise(similarity));
        // 2 rows, 3 columns: row 0 takes column 2 (cost 0), row 1 column 0 (cost 1): total 1
        assertArrayEquals(new int[] {2, 0}, HungarianAssignment.minimise(new double[][] {{5, 4, 0}, {1, 2, 0.5}}));
    }

    @Test
    void refusesBadMatrices() {
        assertThrows(IllegalArgumentException.class, () -> HungarianAssignment.minimise(new double[][] {{1}, {2}}));
        assertThrows(IllegalArgumentException.class, () -> HungarianAssignment.minimise(new double[][] {{Double.NaN}}));
        assertEquals(0, HungarianAssignment.minimise(new double[0][]).length);
    }

    private static double total(double[][] cost, int[] a) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += cost[i][a[i]];
        return s;
    }

    private static double bruteForce(double[][] cost, int row, boolean[] used) {
        if (row == cost.length) return 0;
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < used.length; j++) {
            if (used[j]) continue;
            used[j] = true;
            best = Math.min(best, cost[row][j] + bruteForce(cost, row + 1, used));
            used[j] = false;
        }
        return best;
    }
}
