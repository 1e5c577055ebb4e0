package org.dynalens.plugin.analysis.heads;

/**
 * Finds a phase change in a rising metric series (e.g. the best induction score over training). Rule: with
 * {@code start} the first value and {@code end} the last, the series has a phase change when it rose by at least
 * {@code minRise}; its step is the first evaluated step whose value reaches the midpoint {@code (start + end) / 2}
 * (for a score that starts near 0 that is "crosses half its final value"). Also reported: the step ending the
 * largest single rise between consecutive evaluations, and the width of the window in which the series went from
 * 10% to 90% of its rise. NaN values are skipped.
 */
public final class PhaseChange {

    /**
     * @param step        first step at or above the midpoint
     * @param fastestStep step at the end of the largest rise between two consecutive evaluations
     * @param fromStep    first step at or above 10% of the rise
     * @param toStep      first step at or above 90% of the rise
     */
    public record Result(long step, long fastestStep, long fromStep, long toStep, double start, double end) {
    }

    private PhaseChange() {
    }

    /** The phase change of {@code values} (aligned with {@code steps}), or null when it rose by less than minRise. */
    public static Result detect(long[] steps, double[] values, double minRise) {
        int first = -1, last = -1;
        for (int i = 0; i < values.length; i++) {
            if (Double.isNaN(values[i])) continue;
            if (first < 0) first = i;
            last = i;
        }
        if (first < 0 || first == last) return null;
        double start = values[first], end = values[last];
        if (end - start < minRise) return null;
        long mid = -1, from = -1, to = -1, fastest = -1;
        double bestRise = Double.NEGATIVE_INFINITY;
        int prev = -1;
        for (int i = first; i <= last; i++) {
            double v = values[i];
            if (Double.isNaN(v)) continue;
            double frac = (v - start) / (end - start);
            if (from < 0 && frac >= 0.1) from = steps[i];
            if (mid < 0 && frac >= 0.5) mid = steps[i];
            if (to < 0 && frac >= 0.9) to = steps[i];
            if (prev >= 0 && v - values[prev] > bestRise) {
                bestRise = v - values[prev];
                fastest = steps[i];
            }
            prev = i;
        }
        return new Result(mid, fastest, from, to, start, end);
    }
}
