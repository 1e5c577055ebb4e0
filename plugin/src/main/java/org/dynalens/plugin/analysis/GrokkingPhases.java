package org.dynalens.plugin.analysis;

import org.dynalens.archive.MetricSeries;

import java.util.Arrays;

/**
 * The three phases of grokking of Nanda et al. 2023 (sec. 5.2, fig. 7), found from the progress measures:
 * memorisation, circuit formation and cleanup. The paper describes them by what the measures do, and this rule
 * marks each boundary at the event that defines it there:
 * <ul>
 *   <li><b>Memorisation ends</b> at the minimum of the <b>excluded loss</b>. In memorisation "excluded and train loss
 *       both fall"; circuit formation is when "excluded loss rises" (the training set comes to be fit through the key
 *       frequencies, so removing them hurts). The minimum is the turn between the two. The excluded loss only
 *       means this with fixed (the final checkpoint's) key frequencies, i.e. after {@code dynalens analyze}; before
 *       that the <b>peak of the test loss</b> is used instead: while memorising, the model becomes confidently wrong
 *       on the held-out pairs (test loss climbs far above chance, ln p), and the forming circuit starts to undo that
 *       (at p = 113 the peak is at step ~1.3k, next to the paper's 1.4k).</li>
 *   <li><b>Circuit formation ends</b> where the test loss begins its final fall: in circuit formation "test and
 *       train loss stay flat", cleanup is when "test loss suddenly drops". Concretely: the <b>last step before the
 *       grok step</b> (test loss first below 0.1) at which the test loss was still at least <b>half its median over
 *       circuit formation</b> (from the memorisation end to the grok step). Searching backwards from the grok step
 *       and comparing with the median makes it insensitive to the early test-loss peak of memorisation and to slow
 *       drifts of the plateau; without a grok step it is not reported.</li>
 *   <li><b>Cleanup ends</b> when weight decay has finished removing the memorising components: in cleanup the "sum
 *       of squared weights sharply drops" and afterwards the measures are flat. Concretely: the first step at or
 *       after the grok step at which the <b>sum of squared weights has made 90% of its fall</b> from the circuit
 *       formation end to its minimum later in the run. Not reported when the fall is not over (in the last 10% of
 *       the run's steps the weights still fell by more than 10% of that fall), since then the minimum is only the end
 *       of the run.</li>
 * </ul>
 * Why these and not fixed thresholds: train loss falls below any threshold long before memorisation is over (below
 * 0.03 by step 200 at p = 113), and the test loss drifts down slowly through circuit formation, so "the test loss
 * halved from its peak" would end circuit formation thousands of steps before the sudden fall. Each chosen marker is a
 * turn or a large fall of a smooth series (all are computed on the full data, not minibatch estimates) and scale-free
 * (a median, a fraction of a fall), so the same rule serves p = 23 and p = 113. The weight-norm peak, another
 * candidate, comes far too early (step ~180 at p = 113: the training set is fit, then the weights plateau until weight
 * decay wins).
 *
 * <p>Also reported: {@code grok_step}, the first evaluated step with test loss below {@link #GROK_TEST_LOSS}.
 */
public final class GrokkingPhases implements PhaseDetector {

    /** Test loss under which a run counts as generalised. */
    public static final double GROK_TEST_LOSS = 0.1;
    /** Circuit formation ends at the last step before grokking with test loss at least this fraction of its median. */
    static final double TEST_LOSS_FALL_FRACTION = 0.5;
    /** Cleanup ends when the sum of squared weights has made this fraction of its fall. */
    static final double WEIGHT_FALL_FRACTION = 0.9;
    /** The weights count as settled when the last this fraction of the run's steps ... */
    static final double TAIL_FRACTION = 0.1;
    /** ... saw less than this fraction of the fall. */
    static final double TAIL_MAX_FALL = 0.1;

    @Override
    public Phases detect(MetricSeries metrics, MetricSeries measures) {
        long[] steps = metrics.steps();
        if (steps.length == 0) return Phases.NONE;
        double[] test = column(metrics, "test_loss", steps.length);
        double[] weights = column(metrics, "sum_sq_weights", steps.length);

        Long grok = null;
        int grokIndex = -1;
        for (int i = 0; i < steps.length; i++) {
            if (test[i] < GROK_TEST_LOSS) {
                grok = steps[i];
                grokIndex = i;
                break;
            }
        }

        Long memorisationEnd = memorisationEnd(steps, test, measures);
        if (memorisationEnd == null) return new Phases(grok, null, null, null);
        if (grokIndex < 0 || steps[grokIndex] <= memorisationEnd) return new Phases(grok, memorisationEnd, null, null);

        // circuit formation: from the memorisation end to the grok step, test loss on its plateau
        int from = indexAtOrAfter(steps, memorisationEnd);
        double[] plateau = finite(Arrays.copyOfRange(test, from, grokIndex));
        if (plateau.length == 0) return new Phases(grok, memorisationEnd, null, null);
        double level = TEST_LOSS_FALL_FRACTION * median(plateau);
        int circuitIndex = -1;
        for (int i = grokIndex - 1; i >= from; i--) {
            if (test[i] >= level) {
                circuitIndex = i;
                break;
            }
        }
        if (circuitIndex < 0 || steps[circuitIndex] <= memorisationEnd) return new Phases(grok, memorisationEnd, null, null);
        long circuitEnd = steps[circuitIndex];

        return new Phases(grok, memorisationEnd, circuitEnd, cleanupEnd(steps, weights, circuitIndex, grokIndex));
    }

    /** The excluded loss's minimum (with final key frequencies), else the test loss's peak; null when neither turned. */
    static Long memorisationEnd(long[] steps, double[] test, MetricSeries measures) {
        if (measures != null && measures.names().contains("excluded_loss")) {
            long[] ms = measures.steps();
            double[] excluded = measures.values("excluded_loss");
            int best = -1;
            for (int i = 0; i < ms.length; i++) {
                if (Double.isFinite(excluded[i]) && (best < 0 || excluded[i] < excluded[best])) best = i;
            }
            // a minimum at the last checkpoint means the loss never turned: no circuit formation seen yet
            if (best >= 0) return best == ms.length - 1 ? null : ms[best];
        }
        int peak = -1;
        for (int i = 0; i < steps.length; i++) {
            if (Double.isFinite(test[i]) && (peak < 0 || test[i] > test[peak])) peak = i;
        }
        return peak < 0 || peak == steps.length - 1 ? null : steps[peak];
    }

    /** See the class comment; null when the weights are not known or have not settled by the end of the run. */
    static Long cleanupEnd(long[] steps, double[] weights, int circuitIndex, int grokIndex) {
        double atCircuitEnd = weights[circuitIndex];
        if (!Double.isFinite(atCircuitEnd)) return null;
        double min = Double.POSITIVE_INFINITY;
        for (int i = circuitIndex; i < steps.length; i++) if (Double.isFinite(weights[i])) min = Math.min(min, weights[i]);
        double fall = atCircuitEnd - min;
        if (!(fall > 0)) return null;
        int last = lastFinite(weights);
        long tailStart = steps[last] - Math.round(TAIL_FRACTION * (steps[last] - steps[0]));
        double atTailStart = weights[indexAtOrAfter(steps, tailStart)];
        if (atTailStart - weights[last] > TAIL_MAX_FALL * fall) return null;
        double target = atCircuitEnd - WEIGHT_FALL_FRACTION * fall;
        for (int i = Math.max(circuitIndex, grokIndex); i < steps.length; i++) {
            if (weights[i] <= target) return steps[i];
        }
        return null;
    }

    private static double[] column(MetricSeries s, String name, int rows) {
        if (!s.names().contains(name)) {
            double[] nan = new double[rows];
            Arrays.fill(nan, Double.NaN);
            return nan;
        }
        return s.values(name);
    }

    private static int indexAtOrAfter(long[] steps, long step) {
        int i = Arrays.binarySearch(steps, step);
        return i >= 0 ? i : Math.min(-i - 1, steps.length - 1);
    }

    private static int lastFinite(double[] v) {
        for (int i = v.length - 1; i >= 0; i--) if (Double.isFinite(v[i])) return i;
        return v.length - 1;
    }

    private static double[] finite(double[] v) {
        return Arrays.stream(v).filter(Double::isFinite).toArray();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
