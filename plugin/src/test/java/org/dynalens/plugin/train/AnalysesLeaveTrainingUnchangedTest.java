package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.analysis.Analyses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Analysing every checkpoint beside training changes nothing about the training trajectory, bit for bit. */
class AnalysesLeaveTrainingUnchangedTest {

    @TempDir
    Path tmp;

    @Test
    void trainingWithAndWithoutAnalysesIsBitwiseIdentical() {
        RunConfig cfg = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.6, "seed", 0, "steps", 300,
                "checkpoint_every", 25, "eval_every", 5));
        RunArchive with = TrainingRun.train(cfg, Archive.open(tmp.resolve("with")), new TrainingListener() {
        });
        RunArchive without = TrainingRun.train(cfg, Archive.open(tmp.resolve("without")), new TrainingListener() {
        }, List.of());
        assertFalse(Analyses.applicableTo(cfg.createTask()).isEmpty());
        MetricSeries a = with.readMetrics(), b = without.readMetrics();
        assertArrayEquals(a.steps(), b.steps());
        for (String name : b.names()) assertArrayEquals(b.values(name), a.values(name), name);
        assertEquals(without.readCheckpoint(300).params(), with.readCheckpoint(300).params());

        // every checkpoint of the analysed run has its analysis and a measures row; the other run has neither
        assertArrayEquals(with.checkpointSteps().stream().mapToLong(Long::longValue).toArray(), with.readMeasures().steps());
        for (long step : with.checkpointSteps()) {
            assertTrue(with.readCheckpointMeasures(step).containsKey("restricted_loss"), "step " + step);
        }
        assertEquals(0, without.readMeasures().size());
        assertTrue(without.readCheckpointMeasures(300).isEmpty());
    }
}
