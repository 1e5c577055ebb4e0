package org.dynalens.server;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.SequenceTrainingRun;
import org.dynalens.plugin.train.TrainingListener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real tiny next-token run for the attention-pattern tests, trained once per test JVM into its own archive (so
 * the counts of {@link TrainedRuns} stay as they are): repeated-tokens, n_ctx 12, vocab 16, the default 2-layer
 * attention-only model with 2 heads, 20 steps, a checkpoint every 10. Then indexed.
 */
final class TrainedSequenceRun {

    static final int N_CTX = 12;
    static final int VOCAB = 16;
    private static TrainedSequenceRun instance;

    final Archive archive;
    final RunIndex index;
    final String id;

    private TrainedSequenceRun(Archive archive, RunIndex index, String id) {
        this.archive = archive;
        this.index = index;
        this.id = id;
    }

    static synchronized TrainedSequenceRun get() {
        if (instance != null) return instance;
        try {
            Path dir = Files.createTempDirectory("dynalens-sequence-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> TrainedRuns.deleteTree(dir)));
            Archive archive = Archive.open(dir);
            RunConfig cfg = RunConfig.fromMap(Map.of("task", "repeated-tokens", "n_ctx", N_CTX, "vocab", VOCAB,
                    "d_model", 32, "d_head", 16, "batch_size", 16, "steps", 20, "checkpoint_every", 10, "eval_every", 10));
            String id = SequenceTrainingRun.train(cfg, archive, new TrainingListener() {
            }).id();
            RunIndex index = RunIndex.open(archive.indexDir());
            index.reindex(archive);
            Runtime.getRuntime().addShutdownHook(new Thread(index::close));
            instance = new TrainedSequenceRun(archive, index, id);
            return instance;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
