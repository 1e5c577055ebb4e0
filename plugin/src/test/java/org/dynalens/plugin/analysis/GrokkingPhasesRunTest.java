package org.dynalens.plugin.analysis;

import org.dynalens.archive.Archive;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.analysis.PhaseDetector.Phases;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The CI-sized version of the paper's story (Nanda et al. 2023 sec. 5.2) on a real run, mod-23 addition with 60% of
 * the pairs for 3200 steps: the phase detector finds memorisation and circuit formation in that order, before the
 * grok step, and around the boundaries the measures do what the paper says they do. At p = 23 the test loss falls
 * gradually (first below 0.1 near step 3000) and the weights are still shrinking at the end, so cleanup has begun but
 * not ended: the detector must then leave its end out rather than call the end of the run a boundary.
 */
class GrokkingPhasesRunTest {

    static final RunConfig CFG = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.6, "seed", 0, "steps", 3200,
            "checkpoint_every", 100, "eval_every", 50));

    @TempDir
    Path tmp;

    @Test
    void phasesComeInThePapersOrderWithThePapersEvents() {
        RunArchive run = TrainingRun.train(CFG, Archive.open(tmp), new TrainingListener() {
        });
        Phases atEnd = Phases.fromSummary(run.info().summary());
        System.out.println("phases at the end of training: " + atEnd);
        assertNotNull(atEnd.memorisationEnd(), "end of training stores the phases: " + run.info().summary());
        assertNotNull(atEnd.grokStep(), "p = 23, 60% of pairs generalises within 3200 steps");

        TrainingRun.reanalyse(run); // restricted/excluded loss with the final key frequencies, as in the paper
        Phases p = Phases.fromSummary(run.info().summary());
        System.out.println("phases after analyze: " + p);
        assertNotNull(p.memorisationEnd());
        assertNotNull(p.circuitFormationEnd());
        assertTrue(0 < p.memorisationEnd() && p.memorisationEnd() < p.circuitFormationEnd()
                && p.circuitFormationEnd() < p.grokStep(), p.toString());
        assertTrue(p.cleanupEnd() == null || p.cleanupEnd() >= p.grokStep(), p.toString());

        MetricSeries metrics = run.readMetrics(), measures = run.readMeasures();
        // memorisation: the training set is fit (train accuracy 1) while test loss is high
        assertEquals(1.0, at(metrics, "train_acc", p.memorisationEnd()), 1e-9);
        assertTrue(at(metrics, "test_loss", p.memorisationEnd()) > 1, "test loss high at the end of memorisation");
        // circuit formation: restricted loss falls while test loss is still high; excluded loss rises
        double restrictedStart = at(measures, "restricted_loss", p.memorisationEnd());
        double restrictedEnd = at(measures, "restricted_loss", p.circuitFormationEnd());
        assertTrue(restrictedEnd < 0.5 * restrictedStart, "restricted loss " + restrictedStart + " -> " + restrictedEnd);
        assertTrue(restrictedEnd < at(metrics, "test_loss", p.circuitFormationEnd()),
                "restricted loss below test loss when circuit formation ends");
        double excludedStart = at(measures, "excluded_loss", p.memorisationEnd());
        double excludedEnd = at(measures, "excluded_loss", p.circuitFormationEnd());
        assertTrue(excludedEnd > 10 * excludedStart, "excluded loss rises " + excludedStart + " -> " + excludedEnd);
        // cleanup: test loss falls below 0.1 while the weights keep falling
        double wStart = at(metrics, "sum_sq_weights", p.circuitFormationEnd());
        double wGrok = at(metrics, "sum_sq_weights", p.grokStep());
        assertTrue(wGrok < 0.9 * wStart, "sum of squared weights " + wStart + " -> " + wGrok + " in cleanup");
        double testAtCircuitEnd = at(metrics, "test_loss", p.circuitFormationEnd());
        assertTrue(testAtCircuitEnd > 5 * GrokkingPhases.GROK_TEST_LOSS, "test loss " + testAtCircuitEnd
                + " when circuit formation ends: the fall is still ahead");
    }

    /** The value of a series at the row of {@code step}, or the last row before it. */
    static double at(MetricSeries s, String name, long step) {
        long[] steps = s.steps();
        int i = Arrays.binarySearch(steps, step);
        if (i < 0) i = -i - 2;
        return s.values(name)[Math.max(i, 0)];
    }
}
