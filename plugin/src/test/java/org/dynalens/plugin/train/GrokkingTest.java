package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The phenomenon itself, at CI size: on mod-23 addition with 60% of pairs for training, the model first memorises
 * (train loss far below test loss, test accuracy low) and only later generalises (test loss falls below 0.1).
 */
class GrokkingTest {

    @TempDir
    Path tmp;

    @Test
    void memorisesFirstThenGeneralises() {
        RunConfig cfg = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.6, "seed", 0, "steps", 3600,
                "checkpoint_every", 600, "eval_every", 50));
        RunArchive run = TrainingRun.train(cfg, Archive.open(tmp), new TrainingListener() {
        });
        MetricSeries m = run.readMetrics();
        long[] steps = m.steps();
        double[] train = m.values("train_loss");
        double[] test = m.values("test_loss");

        int memorised = firstIndex(train, v -> v < 0.01);
        assertTrue(memorised >= 0, "the model memorises its training set");
        assertTrue(test[memorised] > 1.0, "at memorisation test loss is still high: " + test[memorised]);
        assertTrue(test[memorised] > 100 * train[memorised]);

        int generalised = firstIndex(test, v -> v < 0.1);
        assertTrue(generalised >= 0, "test loss falls below 0.1 within " + cfg.steps() + " steps");
        assertTrue(steps[generalised] >= 3 * steps[memorised],
                "generalisation (step " + steps[generalised] + ") comes well after memorisation (step " + steps[memorised] + ")");
        assertEquals(1.0, m.values("test_acc")[m.size() - 1], 0.02);
        assertEquals(steps[generalised], ((Number) run.info().summary().get("grok_step")).longValue());
        // weight decay shrinks the weights once the training set is fit
        double[] norm = m.values("sum_sq_weights");
        assertTrue(norm[norm.length - 1] < norm[memorised]);
    }

    private static int firstIndex(double[] v, java.util.function.DoublePredicate p) {
        for (int i = 0; i < v.length; i++) if (p.test(v[i])) return i;
        return -1;
    }
}
