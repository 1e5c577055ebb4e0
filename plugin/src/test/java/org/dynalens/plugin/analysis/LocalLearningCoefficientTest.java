package org.dynalens.plugin.analysis;

import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.task.Task;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The LLC of a real (tiny) transformer checkpoint: finite, positive and reproducible. */
class LocalLearningCoefficientTest {

    @TempDir
    Path tmp;

    @Test
    void llcOfATrainedCheckpointIsFinitePositiveAndDeterministic() {
        RunConfig cfg = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.6, "seed", 0, "steps", 150,
                "checkpoint_every", 150, "d_model", 32, "n_heads", 2, "d_head", 16, "d_mlp", 64));
        RunArchive run = TrainingRun.train(cfg, Archive.open(tmp), new TrainingListener() {
        }, List.of());
        Checkpoint c = run.readCheckpoint(150);
        Task task = cfg.createTask();
        AnalysisInput in = new AnalysisInput(task, cfg.model(task), 150, c.params(), cfg.split(task), null);
        LocalLearningCoefficient llc = new LocalLearningCoefficient(new Sgld.Settings(3e-3, 5, 2, 1, 20, 0, 0));
        AnalysisResult r = llc.analyze(in);
        double value = r.measures().get("llc");
        assertTrue(Double.isFinite(value) && value > 0, "llc = " + value);
        assertEquals(c.metrics().get("train_loss"), r.measures().get("llc_loss_init"), 1e-9,
                "L_n(w*) is the training loss of the checkpoint");
        assertEquals(value, llc.analyze(in).measures().get("llc"), "deterministic");
    }
}
