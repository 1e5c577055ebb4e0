package org.dynalens.plugin.analysis;

import org.dynalens.archive.Archive;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.plugin.analysis.PhaseDetector.Phases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The phase rule on constructed series shaped like Nanda et al. 2023 fig. 7, with boundaries known by
 * construction: memorisation until 1400 (excluded loss falls to its minimum, test loss peaks), circuit formation until
 * the test loss leaves its plateau of 8 at 9400 (excluded loss rises, weights shrink slowly), cleanup while test
 * loss falls and the weights fall sharply and settle.
 */
class GrokkingPhasesTest {

    static final long END = 20_000;
    /** Test loss falls as 8 exp(-K (s - 9400)) from 9400: 0.1 at 10,950 (between evaluations), so grok = 11,000. */
    static final double K = Math.log(80) / 1550;

    static double testLoss(long s) {
        if (s <= 1400) return 4.7 + (16 - 4.7) * s / 1400.0; // memorising: confidently wrong on test pairs ...
        if (s <= 3000) return 16 - 8 * (s - 1400) / 1600.0;   // ... the forming circuit undoes some of it
        if (s <= 9400) return 8;
        return 8 * Math.exp(-K * (s - 9400));
    }

    static double weights(long s) {
        if (s <= 1400) return 1800 + 1800 * s / 1400.0;         // memorising grows the weights
        if (s <= 9400) return 3600 - 1600 * (s - 1400) / 8000.0; // weight decay during circuit formation
        return 1000 + 1000 * Math.exp(-(s - 9400) / 1000.0);    // cleanup: sharp fall, then flat
    }

    static double excludedLoss(long s) {
        if (s <= 1400) return 4.7 * Math.pow(1e-4 / 4.7, s / 1400.0);
        return Math.min(13, 1e-4 * Math.pow(13 / 1e-4, (s - 1400) / 8000.0));
    }

    static MetricSeries metrics(long end) {
        MetricSeries m = new MetricSeries();
        for (long s = 0; s <= end; s += 100) {
            m.append(s, Map.of("train_loss", Math.min(4.7, 1e-3 + 4.7 * Math.exp(-s / 50.0)), "test_loss", testLoss(s),
                    "sum_sq_weights", weights(s)));
        }
        return m;
    }

    static MetricSeries measures(long end) {
        MetricSeries m = new MetricSeries();
        for (long s = 0; s <= end; s += 100) m.append(s, Map.of("excluded_loss", excludedLoss(s), "restricted_loss", 1.0));
        return m;
    }

    @Test
    void findsTheConstructedBoundaries() {
        Phases p = new GrokkingPhases().detect(metrics(END), measures(END));
        assertEquals(1400L, p.memorisationEnd(), "excluded loss minimum");
        assertEquals(11_000L, p.grokStep(), "first evaluation with test loss < 0.1");
        // median test loss over [1400, 11000) is 8; the last step with test loss >= 4 before grokking:
        // 8 exp(-K 200) = 4.54 at 9600, 8 exp(-K 300) = 3.43 at 9700
        assertEquals(9600L, p.circuitFormationEnd());
        // weights at 9600: 1000 + 1000 e^-0.2 = 1818.7; minimum ~1000.0; 90% of the fall is reached at
        // 9400 + 1000 ln(1000 / 81.87) = 11,902, so at the evaluation of 12,000
        assertEquals(12_000L, p.cleanupEnd());
    }

    @Test
    void withoutMeasuresMemorisationEndsAtTheTestLossPeak() {
        Phases p = new GrokkingPhases().detect(metrics(END), new MetricSeries());
        assertEquals(new Phases(11_000L, 1400L, 9600L, 12_000L), p);
    }

    @Test
    void theSlowDriftAfterThePeakIsNotTheEndOfCircuitFormation() {
        // halving from the maximum (16 at 1400) already happens at 3000; the median rule waits for the sudden fall
        Phases p = new GrokkingPhases().detect(metrics(END), measures(END));
        assertTrue(p.circuitFormationEnd() > 9000, "circuit formation end " + p.circuitFormationEnd());
    }

    @Test
    void aRunStoppedDuringCleanupHasNoCleanupEnd() {
        Phases p = new GrokkingPhases().detect(metrics(11_500), measures(11_500));
        assertEquals(new Phases(11_000L, 1400L, 9600L, null), p, "weights still falling at the end of the run");
    }

    @Test
    void aRunThatNeverGrokkedHasOnlyMemorisation() {
        MetricSeries m = new MetricSeries();
        for (long s = 0; s <= 5000; s += 100) m.append(s, Map.of("test_loss", testLoss(s), "sum_sq_weights", weights(s)));
        Phases p = new GrokkingPhases().detect(m, measures(5000));
        assertEquals(new Phases(null, 1400L, null, null), p);
    }

    @Test
    void aRunStillMemorisingHasNoBoundaries() {
        // excluded loss and weights still moving the memorisation way at the last evaluation
        Phases p = new GrokkingPhases().detect(metrics(1000), measures(1000));
        assertEquals(Phases.NONE, p);
        assertEquals(Phases.NONE, new GrokkingPhases().detect(new MetricSeries(), new MetricSeries()));
    }

    @Test
    void missingValuesAreSkipped() {
        MetricSeries m = new MetricSeries();
        for (long s = 0; s <= END; s += 100) {
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("test_loss", testLoss(s));
            if (s % 500 != 0 || s == 0) row.put("sum_sq_weights", weights(s)); // NaN at 500, 1000, ...
            m.append(s, row);
        }
        MetricSeries ms = measures(END);
        Phases p = new GrokkingPhases().detect(m, ms);
        assertEquals(new Phases(11_000L, 1400L, 9600L, 12_100L), p, "the weights of 12,000 are missing: the next one");
    }

    @Test
    void storeReplacesThePhasesOnTheRunSummary(@TempDir Path tmp) {
        RunArchive run = Archive.open(tmp).createRun(new RunInfo("r", "mod-add", 0, Instant.EPOCH, Map.of(), Map.of(),
                Map.of("status", "finished", PhaseDetector.CLEANUP_END, 99L, "ms_per_step", 3.0,
                        "loss_key_freqs_from", "final")));
        run.writeMetrics(metrics(11_500));
        run.writeMeasures(measures(11_500));
        RunInfo info = new GrokkingPhases().store(run);
        assertEquals(info.summary().keySet(), run.info().summary().keySet());
        Map<String, Object> s = run.info().summary();
        assertEquals(11_000L, ((Number) s.get("grok_step")).longValue());
        assertEquals(1400L, ((Number) s.get("phase_memorisation_end")).longValue());
        assertEquals(9600L, ((Number) s.get("phase_circuit_formation_end")).longValue());
        assertFalse(s.containsKey("phase_cleanup_end"), "a boundary not found any more is removed: " + s);
        assertEquals("finished", s.get("status"));
        assertEquals(new Phases(11_000L, 1400L, 9600L, null), Phases.fromSummary(s));
    }

    @Test
    void measuresWithEachCheckpointsOwnKeyFrequenciesAreNotUsed(@TempDir Path tmp) {
        RunArchive run = Archive.open(tmp).createRun(new RunInfo("r", "mod-add", 0, Instant.EPOCH, Map.of(), Map.of(),
                Map.of("status", "finished")));
        run.writeMetrics(metrics(END));
        MetricSeries misleading = new MetricSeries();   // excluded loss lowest at 5000: would move the boundary
        for (long s = 0; s <= END; s += 100) misleading.append(s, Map.of("excluded_loss", Math.abs(s - 5000) + 1.0));
        run.writeMeasures(misleading);
        assertEquals(1400L, new GrokkingPhases().detect(run).memorisationEnd(), "the test loss peak, not the measures");
    }
}
