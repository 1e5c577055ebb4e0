package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.model.Djl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.*;

/** Training works, bitwise identically, on a thread other than the one that started the engine (e.g. a server worker). */
class TrainingThreadTest {

    @TempDir
    Path tmp;

    @Test
    void trainingOnAnotherThreadGivesTheSameRun() throws Exception {
        Djl.engine(); // the engine starts on this thread
        RunConfig cfg = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.5, "seed", 5, "steps", 30,
                "checkpoint_every", 10, "eval_every", 5));
        RunArchive here = TrainingRun.train(cfg, Archive.open(tmp.resolve("here")), new TrainingListener() {
        });
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            RunArchive there = worker.submit(() -> TrainingRun.train(cfg, Archive.open(tmp.resolve("there")),
                    new TrainingListener() {
                    })).get();
            assertArrayEquals(here.readMetrics().values("train_loss"), there.readMetrics().values("train_loss"));
            assertEquals(here.readCheckpoint(30).tensors(), there.readCheckpoint(30).tensors());
        } finally {
            worker.shutdown();
        }
    }
}
