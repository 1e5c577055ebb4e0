package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A run stopped at any point resumes from its last checkpoint and continues bitwise identically. */
class ResumeTest {

    @TempDir
    Path tmp;

    private static final RunConfig CFG = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.5, "seed", 3,
            "steps", 90, "checkpoint_every", 20, "eval_every", 5));

    /** Stands for a kill: aborts training from inside the loop. */
    static final class Killed extends RuntimeException {
    }

    @Test
    void resumedRunIsBitwiseIdenticalToUninterruptedRun() throws Exception {
        assertResumesBitwise(CFG, "x");
    }

    /** Grokfast's gradient EMA is optimiser state: it is checkpointed and restored, so resume stays bitwise. */
    @Test
    void resumedGrokfastRunIsBitwiseIdenticalToUninterruptedRun() throws Exception {
        RunConfig grokfast = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.5, "seed", 3,
                "steps", 90, "checkpoint_every", 20, "eval_every", 5, "grokfast_lambda", 2.0));
        assertEquals(0.98, grokfast.grokfastAlpha());
        assertNotEquals(CFG.resolvedRunId(), grokfast.resolvedRunId());
        RunArchive run = assertResumesBitwise(grokfast, "g");
        Checkpoint c = run.readCheckpoint(40);
        assertTrue(c.tensors().containsKey(Checkpoint.OPTIM + Grokfast.STATE_PREFIX + "embed.W_E"),
                c.tensors().keySet().toString());
        assertFalse(run.readCheckpoint(0).tensors().keySet().stream().anyMatch(k -> k.contains(Grokfast.STATE_PREFIX)),
                "no filter state before the first gradient");
        RunArchive plain = TrainingRun.train(CFG.withSteps(40), Archive.open(tmp.resolve("plain")), new TrainingListener() {
        });
        assertNotEquals(plain.readCheckpoint(40).params(), c.params(), "the filter changes the trajectory");
    }

    private RunArchive assertResumesBitwise(RunConfig CFG, String dir) throws Exception {
        RunArchive straight = TrainingRun.train(CFG, Archive.open(tmp.resolve(dir + "a")), new TrainingListener() {
        });

        Archive b = Archive.open(tmp.resolve(dir + "b"));
        assertThrows(Killed.class, () -> TrainingRun.train(CFG, b, new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss) {
                if (step == 53) throw new Killed(); // after checkpoint 40, before checkpoint 60
            }
        }));
        RunArchive interrupted = b.run(CFG.resolvedRunId());
        assertEquals(List.of(0L, 20L, 40L), interrupted.checkpointSteps());
        assertEquals("running", interrupted.info().summary().get("status"));

        long[] resumedFrom = {-1};
        RunArchive resumed = TrainingRun.train(CFG, b, new TrainingListener() {
            @Override
            public void onStart(RunInfo info, long startStep, long totalSteps) {
                resumedFrom[0] = startStep;
            }
        });
        assertEquals(40, resumedFrom[0]);
        assertEquals("finished", resumed.info().summary().get("status"));

        MetricSeries s = straight.readMetrics();
        MetricSeries r = resumed.readMetrics();
        assertArrayEquals(s.steps(), r.steps());
        for (String name : List.of("train_loss", "test_loss", "train_acc", "test_acc", "sum_sq_weights")) {
            assertArrayEquals(s.values(name), r.values(name), name + " is bitwise identical");
        }
        assertEquals(straight.checkpointSteps(), resumed.checkpointSteps());
        for (long step : straight.checkpointSteps()) {
            Checkpoint x = straight.readCheckpoint(step), y = resumed.readCheckpoint(step);
            assertEquals(x.tensors(), y.tensors(), "weights and optimiser state at step " + step);
            assertEquals(x.metrics(), y.metrics());
        }
        return resumed;
    }

    @Test
    void aDamagedNewestCheckpointFallsBackToThePreviousOne() throws Exception {
        Archive a = Archive.open(tmp.resolve("c"));
        RunConfig short40 = CFG.withSteps(40);
        RunArchive run = TrainingRun.train(short40, a, new TrainingListener() {
        });
        Path newest = run.checkpointPath(40);
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        long[] resumedFrom = {-1};
        TrainingRun.train(CFG, a, new TrainingListener() {
            @Override
            public void onStart(RunInfo info, long startStep, long totalSteps) {
                resumedFrom[0] = startStep;
            }
        });
        assertEquals(20, resumedFrom[0]);
        RunArchive straight = TrainingRun.train(CFG, Archive.open(tmp.resolve("d")), new TrainingListener() {
        });
        assertEquals(straight.readCheckpoint(90).tensors(), a.run(CFG.resolvedRunId()).readCheckpoint(90).tensors());
    }

    @Test
    void sameIdWithADifferentConfigIsRefused() {
        Archive a = Archive.open(tmp.resolve("e"));
        TrainingRun.train(CFG.withSteps(5).withRunId("fixed"), a, new TrainingListener() {
        });
        RunConfig other = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.5, "seed", 3, "lr", 3e-3,
                "steps", 10, "run_id", "fixed"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.train(other, a, new TrainingListener() {
                }));
        assertTrue(e.getMessage().contains("different config"), e.getMessage());
        assertTrue(e.getMessage().contains("lr"), e.getMessage());
    }
}
