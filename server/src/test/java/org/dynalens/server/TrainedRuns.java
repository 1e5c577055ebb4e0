package org.dynalens.server;

import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.Tensor;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Real tiny runs for the diff, UI and fuzz tests, trained once per test JVM: mod-add p = 23 with half the pairs for
 * training, 20 steps, a checkpoint every 10, seeds 0 and 1 (two runs to diff) and a run with a smaller model (a
 * different architecture). Then the archive is indexed.
 *
 * <p>The runs' checkpoints at steps 10 and 20 also get the analyses the science module is adding
 * ({@code analysis/fourier_norms_W_E}, {@code analysis/key_freqs}), computed here from the stored W_E exactly as
 * Nanda et al. define them; step 0 keeps none, so the tests also see checkpoints without analyses.
 */
final class TrainedRuns {

    static final int P = 23;
    private static TrainedRuns instance;

    final Archive archive;
    final RunIndex index;
    final String seed0;
    final String seed1;
    final String small;

    private TrainedRuns(Archive archive, RunIndex index, String seed0, String seed1, String small) {
        this.archive = archive;
        this.index = index;
        this.seed0 = seed0;
        this.seed1 = seed1;
        this.small = small;
    }

    static synchronized TrainedRuns get() {
        if (instance != null) return instance;
        try {
            Path dir = Files.createTempDirectory("dynalens-trained-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            Archive archive = Archive.open(dir);
            String seed0 = train(archive, Map.of("seed", 0));
            String seed1 = train(archive, Map.of("seed", 1));
            String small = train(archive, Map.of("seed", 2, "d_model", 32, "d_head", 8, "d_mlp", 64));
            for (String id : new String[] {seed0, seed1, small}) addAnalyses(archive.run(id));
            RunIndex index = RunIndex.open(archive.indexDir());
            index.reindex(archive);
            instance = new TrainedRuns(archive, index, seed0, seed1, small);
            Runtime.getRuntime().addShutdownHook(new Thread(index::close));
            return instance;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RunConfig config(Map<String, Object> overrides) {
        Map<String, Object> values = new LinkedHashMap<>(Map.of("p", P, "train_fraction", 0.5, "steps", 20,
                "checkpoint_every", 10));
        values.putAll(overrides);
        return RunConfig.fromMap(values);
    }

    /** Trains without the registered analyses: {@link #addAnalyses} decides which checkpoints carry any. */
    private static String train(Archive archive, Map<String, Object> overrides) {
        return TrainingRun.train(config(overrides), archive, new TrainingListener() {
        }, java.util.List.of()).id();
    }

    /** Fourier norms of W_E and the top-3 key frequencies at every checkpoint after step 0. */
    private static void addAnalyses(RunArchive run) {
        for (long step : run.checkpointSteps()) {
            if (step == 0) continue;
            Checkpoint c = run.readCheckpoint(step);
            double[] norms = fourierNorms(c.params().get("embed.W_E"), P);
            run.writeCheckpoint(c.withTensors(Map.of(
                    Checkpoint.ANALYSIS + "fourier_norms_W_E", Tensor.vector(norms),
                    Checkpoint.ANALYSIS + "key_freqs", Tensor.vector(topFrequencies(norms, 3)))));
        }
    }

    /**
     * For k = 1..(p-1)/2, the norm of W_E's projection onto the cos and sin waves of frequency k over the p number
     * tokens: sqrt(||sum_t cos(2 pi k t / p) W_E[t]||^2 + ||sum_t sin(...) W_E[t]||^2).
     */
    static double[] fourierNorms(Tensor wE, int p) {
        int d = wE.shape()[1];
        double[] norms = new double[(p - 1) / 2];
        for (int k = 1; k <= norms.length; k++) {
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double c = 0, s = 0;
                for (int t = 0; t < p; t++) {
                    double angle = 2 * Math.PI * k * t / p;
                    c += Math.cos(angle) * wE.doubleAt(t * d + j);
                    s += Math.sin(angle) * wE.doubleAt(t * d + j);
                }
                sq += c * c + s * s;
            }
            norms[k - 1] = Math.sqrt(sq);
        }
        return norms;
    }

    /** The frequencies (1-based) of the n largest norms, ascending. */
    static int[] topFrequencies(double[] norms, int n) {
        return java.util.stream.IntStream.range(0, norms.length).boxed()
                .sorted((x, y) -> Double.compare(norms[y], norms[x]))
                .limit(n).mapToInt(i -> i + 1).sorted().toArray();
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temp directory: the OS cleans up eventually
        }
    }
}
