package org.dynalens.archive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Thousands of damaged copies of a real checkpoint (flipped bytes, truncations): reading one either succeeds or
 * fails with an {@link ArchiveException} carrying a one-line message; it never throws anything else, never hangs,
 * and never affects the run's other checkpoints.
 */
class CorruptionFuzzTest {

    private static final int FLIPS = 1500;
    private static final int TRUNCATIONS = 500;

    @TempDir
    Path tmp;

    private static Checkpoint realisticCheckpoint(long step) {
        Random rng = new Random(1);
        Map<String, Tensor> t = new LinkedHashMap<>();
        int[][] shapes = {{24, 32}, {3, 32}, {4, 32, 8}, {4, 32, 8}, {4, 32, 8}, {4, 8, 32}, {32, 64}, {64}, {64, 32}, {32},
                {32, 23}};
        String[] names = {"embed.W_E", "pos_embed.W_pos", "blocks.0.attn.W_Q", "blocks.0.attn.W_K", "blocks.0.attn.W_V",
                "blocks.0.attn.W_O", "blocks.0.mlp.W_in", "blocks.0.mlp.b_in", "blocks.0.mlp.W_out", "blocks.0.mlp.b_out",
                "unembed.W_U"};
        for (int i = 0; i < names.length; i++) {
            float[] v = new float[(int) Tensor.size(shapes[i])];
            for (int j = 0; j < v.length; j++) v[j] = (float) rng.nextGaussian();
            t.put("params/" + names[i], Tensor.of(v, shapes[i]));
            t.put("optim/m/" + names[i], Tensor.of(v.clone(), shapes[i]));
        }
        t.put("optim/step", Tensor.of(new long[] {step}));
        t.put("analysis/key_freqs", Tensor.vector(new int[] {3, 7}));
        return new Checkpoint(step, t, Map.of("train_loss", 0.5, "test_loss", 2.5));
    }

    @Test
    void damagedCheckpointsFailCleanlyAndInIsolation() throws Exception {
        RunArchive run = Archive.open(tmp).createRun(new RunInfo("fuzz", "mod-add", 0, Instant.now(), Map.of(), Map.of(), Map.of()));
        run.writeCheckpoint(realisticCheckpoint(0));
        run.writeCheckpoint(realisticCheckpoint(100));
        Checkpoint good = run.readCheckpoint(100);
        byte[] original = Files.readAllBytes(run.checkpointPath(100));
        Random rng = new Random(42);
        int failedCleanly = 0, readFine = 0;

        for (int i = 0; i < FLIPS + TRUNCATIONS; i++) {
            byte[] damaged;
            String what;
            if (i < FLIPS) {
                damaged = original.clone();
                int flips = 1 + rng.nextInt(16);
                // half the cases aim at the first 4 KB, where the superblock and object headers live
                int range = i % 2 == 0 ? Math.min(4096, damaged.length) : damaged.length;
                for (int f = 0; f < flips; f++) damaged[rng.nextInt(range)] ^= (byte) (1 + rng.nextInt(255));
                what = "case " + i + ": " + flips + " flipped bytes";
            } else {
                int length = rng.nextInt(original.length);
                damaged = Arrays.copyOf(original, length);
                what = "case " + i + ": truncated to " + length + " of " + original.length + " bytes";
            }
            Path file = run.checkpointPath(200);
            Files.write(file, damaged);
            Throwable failure = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                try {
                    run.readCheckpoint(200);
                    run.listTensors(200);
                    run.readCheckpointMetrics(200);
                    run.readTensor(200, "params/embed.W_E");
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }, what);
            if (failure == null) {
                readFine++;
            } else {
                assertInstanceOf(ArchiveException.class, failure, what + " threw " + failure);
                assertFalse(failure.getMessage().contains("\n"), what + ": one-line message");
                failedCleanly++;
            }
        }
        Files.delete(run.checkpointPath(200));
        assertEquals(List.of(0L, 100L), run.checkpointSteps());
        assertEquals(good.tensors(), run.readCheckpoint(100).tensors(), "the other checkpoints are untouched");
        assertTrue(failedCleanly > TRUNCATIONS / 2, "most damage is detected: " + failedCleanly);
        System.out.printf("corruption fuzz: %d damaged files, %d rejected with a clear error, %d still readable%n",
                FLIPS + TRUNCATIONS, failedCleanly, readFine);
    }
}
