package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.task.Task;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Every task beyond mod-add trains end to end: 5 full-batch steps, checkpointed, with finite losses. */
class TaskTrainingSmokeTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"mod-sub", "mod-mul", "mod-div", "mod-sq-add", "s5", "dihedral"})
    void trainsFiveSteps(String taskName) {
        Map<String, Object> values = new HashMap<>(Map.of("task", taskName, "train_fraction", 0.5, "steps", 5));
        if (!taskName.equals("s5")) values.put("p", 23); // s5 runs with the default p, which it ignores
        RunConfig cfg = RunConfig.fromMap(values);
        Task task = cfg.createTask();

        RunArchive run = TrainingRun.train(cfg, Archive.open(tmp), new TrainingListener() {
        });

        assertEquals("finished", run.info().summary().get("status"));
        assertEquals(taskName, run.info().task());
        assertEquals(List.of(0L, 5L), run.checkpointSteps());
        Checkpoint last = run.readCheckpoint(5);
        assertArrayEquals(new int[]{task.inputVocab(), 128}, last.params().get("embed.W_E").shape());
        assertArrayEquals(new int[]{128, task.outputVocab()}, last.params().get("unembed.W_U").shape());
        for (double loss : run.readMetrics().values("train_loss")) assertTrue(Double.isFinite(loss), taskName);
    }
}
