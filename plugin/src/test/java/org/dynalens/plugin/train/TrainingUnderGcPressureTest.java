package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Training is unaffected by garbage collection: another thread allocating and collecting (as the background
 * analyses do) must not change a single bit. Before the forward pass kept its scalar operands alive, this run went NaN
 * at step 1 (autograd read a direct buffer the collector had freed; see Transformer).
 */
class TrainingUnderGcPressureTest {

    @TempDir
    Path tmp;

    @Test
    void aCollectingThreadChangesNothing() {
        RunConfig cfg = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.6, "seed", 0, "steps", 40,
                "checkpoint_every", 40, "eval_every", 1));
        RunArchive quiet = TrainingRun.train(cfg, Archive.open(tmp.resolve("quiet")), new TrainingListener() {
        }, List.of());
        Thread collector = new Thread(() -> {
            long allocated = 0;
            while (!Thread.currentThread().isInterrupted()) {
                allocated += new double[4_000_000].length;
                System.gc();
            }
        }, "gc-pressure");
        collector.setDaemon(true);
        collector.start();
        RunArchive pressed;
        try {
            pressed = TrainingRun.train(cfg, Archive.open(tmp.resolve("pressed")), new TrainingListener() {
            }, List.of());
        } finally {
            collector.interrupt();
        }
        MetricSeries a = quiet.readMetrics(), b = pressed.readMetrics();
        for (String name : List.of("train_loss", "test_loss", "sum_sq_weights")) {
            assertArrayEquals(a.values(name), b.values(name), name);
        }
        assertEquals(quiet.readCheckpoint(40).params(), pressed.readCheckpoint(40).params());
    }
}
