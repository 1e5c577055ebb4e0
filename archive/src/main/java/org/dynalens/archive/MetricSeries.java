package org.dynalens.archive;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dense per-step metric series of a run ({@code metrics.h5}): one row per evaluated step, one column per metric.
 * Mutable while training; rows must be appended in increasing step order.
 */
public final class MetricSeries {

    private long[] steps = new long[16];
    private final Map<String, double[]> columns = new LinkedHashMap<>();
    private int rows;

    public MetricSeries() {
    }

    /** Appends one row; metrics absent from this row but present in others are stored as NaN. */
    public synchronized void append(long step, Map<String, Double> values) {
        if (rows > 0 && step <= steps[rows - 1]) {
            throw new IllegalArgumentException("metric rows must have increasing steps: " + step + " after "
                    + steps[rows - 1]);
        }
        if (rows == steps.length) {
            steps = Arrays.copyOf(steps, rows * 2);
            columns.replaceAll((k, v) -> Arrays.copyOf(v, rows * 2));
        }
        steps[rows] = step;
        for (Map.Entry<String, Double> e : values.entrySet()) {
            double[] col = columns.computeIfAbsent(e.getKey(), k -> {
                double[] c = new double[steps.length];
                Arrays.fill(c, Double.NaN);
                return c;
            });
            col[rows] = e.getValue();
        }
        for (Map.Entry<String, double[]> e : columns.entrySet()) {
            if (!values.containsKey(e.getKey())) e.getValue()[rows] = Double.NaN;
        }
        rows++;
    }

    /** Drops every row after {@code step} (used when a run resumes from an earlier checkpoint). */
    public synchronized void truncateAfter(long step) {
        while (rows > 0 && steps[rows - 1] > step) rows--;
    }

    public synchronized int size() {
        return rows;
    }

    public synchronized long[] steps() {
        return Arrays.copyOf(steps, rows);
    }

    public synchronized List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(columns.keySet()));
    }

    /** The values of one metric, aligned with {@link #steps()}; throws NotFound for an unknown name. */
    public synchronized double[] values(String name) {
        double[] col = columns.get(name);
        if (col == null) throw new ArchiveException.NotFound("no metric named '" + name + "'; have " + columns.keySet());
        return Arrays.copyOf(col, rows);
    }

    /** The last row's value of a metric, or NaN. */
    public synchronized double last(String name) {
        double[] col = columns.get(name);
        return col == null || rows == 0 ? Double.NaN : col[rows - 1];
    }

    /** A snapshot copy, safe to hand to another thread. */
    public synchronized MetricSeries copy() {
        MetricSeries c = new MetricSeries();
        c.steps = Arrays.copyOf(steps, Math.max(rows, 1));
        columns.forEach((k, v) -> c.columns.put(k, Arrays.copyOf(v, Math.max(rows, 1))));
        c.rows = rows;
        return c;
    }

    static MetricSeries of(long[] steps, Map<String, double[]> columns) {
        MetricSeries s = new MetricSeries();
        s.steps = steps.length == 0 ? new long[16] : steps.clone();
        s.rows = steps.length;
        columns.forEach((k, v) -> {
            if (v.length != steps.length) {
                throw new ArchiveException("metric column " + k + " has " + v.length + " rows, steps has " + steps.length);
            }
            s.columns.put(k, v.length == 0 ? new double[16] : v.clone());
        });
        return s;
    }
}
