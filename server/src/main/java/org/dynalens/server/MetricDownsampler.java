package org.dynalens.server;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Thins a metric series to at most {@code maxPoints} rows without hiding spikes: the rows are cut into equal
 * buckets and each bucket keeps the rows where some series has its minimum and its maximum; the first and the last
 * row are always kept. A loss spike or the grokking cliff therefore survives any amount of downsampling, which an
 * every-k-th-row scheme does not guarantee. The kept rows are real rows (no averaging), in step order.
 */
final class MetricDownsampler {

    /** Fewer points than this cannot show a first row, a last row and one bucket's extremes. */
    static final int MIN_POINTS = 4;

    private MetricDownsampler() {
    }

    /** Indices of the rows to keep, ascending. */
    static int[] keep(int rows, Map<String, double[]> series, int maxPoints) {
        if (maxPoints < MIN_POINTS) throw new IllegalArgumentException("max_points must be >= " + MIN_POINTS);
        if (rows <= maxPoints) {
            int[] all = new int[rows];
            for (int i = 0; i < rows; i++) all[i] = i;
            return all;
        }
        int columns = Math.max(1, series.size());
        // every bucket may keep up to 2 rows per series; first and last are extra
        int buckets = Math.max(1, (maxPoints - 2) / (2 * columns));
        TreeSet<Integer> kept = new TreeSet<>(List.of(0, rows - 1));
        int inner = rows - 2;
        for (int b = 0; b < buckets; b++) {
            int from = 1 + (int) ((long) inner * b / buckets);
            int to = 1 + (int) ((long) inner * (b + 1) / buckets);
            if (from >= to) continue;
            if (series.isEmpty()) {
                kept.add(from);
                continue;
            }
            for (double[] values : series.values()) {
                int min = -1;
                int max = -1;
                for (int i = from; i < to; i++) {
                    double v = values[i];
                    if (Double.isNaN(v)) continue;
                    if (min < 0 || v < values[min]) min = i;
                    if (max < 0 || v > values[max]) max = i;
                }
                if (min >= 0) kept.add(min);
                if (max >= 0) kept.add(max);
            }
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    static long[] select(long[] values, int[] rows) {
        long[] out = new long[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = values[rows[i]];
        return out;
    }

    static double[] select(double[] values, int[] rows) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = values[rows[i]];
        return out;
    }
}
