package org.dynalens.server;

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
