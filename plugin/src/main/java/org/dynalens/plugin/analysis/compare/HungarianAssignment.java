package org.dynalens.plugin.analysis.compare;

import java.util.Arrays;

/**
 * The assignment problem solved exactly with the Hungarian algorithm (Kuhn-Munkres, O(n^2 m) with potentials):
 * given an n x m cost matrix with n <= m, pick one column per row, each column at most once, minimising the total
 * cost. Used to match attention heads of two runs by similarity ({@link #maximise}).
 */
public final class HungarianAssignment {

    private HungarianAssignment() {
    }

    /**
     * @param cost n x m, n <= m, finite values
     * @return for each row the column assigned to it
     */
    public static int[] minimise(double[][] cost) {
        int n = cost.length;
        if (n == 0) return new int[0];
        int m = cost[0].length;
        if (m < n) throw new IllegalArgumentException("need at least as many columns as rows, got " + n + " x " + m);
        for (double[] row : cost) {
            if (row.length != m) throw new IllegalArgumentException("cost matrix rows differ in length");
            for (double v : row) if (!Double.isFinite(v)) throw new IllegalArgumentException("cost matrix has " + v);
        }
        // 1-based arrays as in the classic formulation: u/v are row/column potentials, rowOfColumn[j] the row
        // matched to column j (0 = none), way[j] the previous column on the augmenting path
        double[] u = new double[n + 1];
        double[] v = new double[m + 1];
        int[] rowOfColumn = new int[m + 1];
        int[] way = new int[m + 1];
        for (int i = 1; i <= n; i++) {
            rowOfColumn[0] = i;
            int j0 = 0;
            double[] minv = new double[m + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[m + 1];
            do {
                used[j0] = true;
                int i0 = rowOfColumn[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = 0;
                for (int j = 1; j <= m; j++) {
                    if (used[j]) continue;
                    double cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (int j = 0; j <= m; j++) {
                    if (used[j]) {
                        u[rowOfColumn[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (rowOfColumn[j0] != 0);
            do { // augment along the path
                int j1 = way[j0];
                rowOfColumn[j0] = rowOfColumn[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] columnOfRow = new int[n];
        for (int j = 1; j <= m; j++) if (rowOfColumn[j] != 0) columnOfRow[rowOfColumn[j] - 1] = j - 1;
        return columnOfRow;
    }

    /** The assignment with the largest total similarity. */
    public static int[] maximise(double[][] similarity) {
        double[][] cost = new double[similarity.length][];
        for (int i = 0; i < similarity.length; i++) {
            cost[i] = new double[similarity[i].length];
            for (int j = 0; j < cost[i].length; j++) cost[i][j] = -similarity[i][j];
        }
        return minimise(cost);
    }
}
