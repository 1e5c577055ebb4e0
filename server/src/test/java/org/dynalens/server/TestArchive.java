package org.dynalens.server;

import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small real archive for server tests: two mod-add runs (one finished, one running) and one with a corrupt file. */
final class TestArchive {

    static final String FINISHED = "grok-1";
    static final String RUNNING = "grok-2";
    static final String BROKEN = "broken-1";
    /** Rows of the big parameter at step 200 (x 1000 columns = just over the 1M value limit). */
    static final int BIG_ROWS = 1001;

    private TestArchive() {
    }

    static Archive create(Path dir) throws IOException {
        Archive archive = Archive.open(dir);
        RunArchive finished = archive.createRun(info(FINISHED, 1, "finished", 0.9, 0.05));
        for (long step : List.of(0L, 100L, 200L)) finished.writeCheckpoint(checkpoint(step, step == 200));
        finished.writeMetrics(metrics(200));

        RunArchive running = archive.createRun(info(RUNNING, 2, "running", 1.5, 2.5));
        running.writeCheckpoint(checkpoint(0, false));
        running.writeMetrics(metrics(50));

        RunArchive broken = archive.createRun(info(BROKEN, 3, "failed", 3.0, 4.0));
        broken.writeCheckpoint(checkpoint(100, false));
        Files.createDirectories(broken.checkpointPath(200).getParent());
        Files.write(broken.checkpointPath(200), "this is not an HDF5 file".getBytes());
        return archive;
    }

    static RunInfo info(String id, long seed, String status, double trainLoss, double testLoss) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("p", 113);
        config.put("lr", 1e-3);
        config.put("d_model", 8);
        config.put("optimizer", Map.of("name", "adamw", "weight_decay", 1.0));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("status", status);
        summary.put("last_step", 200);
        summary.put("train_loss", trainLoss);
        summary.put("test_loss", testLoss);
        return new RunInfo(id, "mod-add", seed, Instant.parse("2025-01-02T03:04:05Z"), config,
                Map.of("trainer", "org.dynalens.plugin.GrokTrainer", "host", "test"), summary);
    }

    /** Parameters with recognisable values: W_E[i][j] = step + 10 i + j. */
    static Checkpoint checkpoint(long step, boolean withBigParam) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        float[] we = new float[4 * 3];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++) we[i * 3 + j] = step + 10 * i + j;
        tensors.put("params/embed.W_E", Tensor.of(we, 4, 3));
        tensors.put("params/blocks.0.attn.W_Q", Tensor.of(new float[2 * 3 * 2], 2, 3, 2));
        tensors.put("params/unembed.b_U", Tensor.of(new double[] {Double.NaN, 1.5, 2.5}, 3));
        tensors.put("optim/m/embed.W_E", Tensor.of(new float[12], 4, 3));
        if (withBigParam) tensors.put("params/big.W", Tensor.of(new float[BIG_ROWS * 1000], BIG_ROWS, 1000));
        return new Checkpoint(step, tensors, Map.of("train_loss", 1.0 / (step + 1), "test_loss", 2.0 / (step + 1)));
    }

    /** Rows every 10 steps up to {@code last}; test_loss is NaN in the first row (not yet evaluated). */
    static MetricSeries metrics(long last) {
        MetricSeries s = new MetricSeries();
        for (long step = 0; step <= last; step += 10) {
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("train_loss", 4.7 / (1 + step));
            row.put("test_loss", step == 0 ? Double.NaN : 5.0 / (1 + step));
            row.put("train_acc", Math.min(1.0, step / 100.0));
            s.append(step, row);
        }
        return s;
    }
}
