package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A sequence-task run killed mid-way resumes bitwise identically: batches come from (seed, step) alone. */
class InductionResumeTest {

    @TempDir
    Path tmp;

    private static final RunConfig CFG = RunConfig.fromMap(Map.of("task", "repeated-tokens", "n_ctx", 12, "vocab", 10,
            "d_model", 16, "d_head", 8, "batch_size", 8, "seed", 2, "steps", 30, "checkpoint_every", 10, "eval_every", 5));

    static final class Killed extends RuntimeException {
    }

    @Test
    void resumedSequenceRunIsBitwiseIdentical() {
        RunArchive straight = TrainingRun.train(CFG, Archive.open(tmp.resolve("a")), new TrainingListener() {
        });
        Archive b = Archive.open(tmp.resolve("b"));
        assertThrows(Killed.class, () -> TrainingRun.train(CFG, b, new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss) {
                if (step == 17) throw new Killed();
            }
        }));
        long[] resumedFrom = {-1};
        RunArchive resumed = TrainingRun.train(CFG, b, new TrainingListener() {
            @Override
            public void onStart(RunInfo info, long startStep, long totalSteps) {
                resumedFrom[0] = startStep;
            }
        });
        assertEquals(10, resumedFrom[0]);
        MetricSeries s = straight.readMetrics(), r = resumed.readMetrics();
        assertArrayEquals(s.steps(), r.steps());
        for (String name : s.names()) assertArrayEquals(s.values(name), r.values(name), name);
        for (long step : straight.checkpointSteps()) {
            Checkpoint x = straight.readCheckpoint(step), y = resumed.readCheckpoint(step);
            assertEquals(x.tensors(), y.tensors(), "weights, optimiser state and analyses at step " + step);
        }
        Checkpoint last = straight.readCheckpoint(30);
        assertEquals(List.of(2, 2), List.of(last.tensors().get("analysis/induction_score").shape()[0],
                last.tensors().get("analysis/head_roles").shape()[1]));
        assertEquals(12, last.tensors().get("analysis/loss_by_position").size());
        assertTrue(last.metrics().containsKey("loss_repeated_half"));
        assertTrue(last.metrics().containsKey("icl_score"));
        assertTrue(straight.info().summary().get("head_roles") instanceof List<?>);
    }
}
