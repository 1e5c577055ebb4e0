package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunIndex;
import org.dynalens.server.IndexingListener;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dynalens train}: trains (or resumes) one run, archiving every checkpoint and indexing it as it lands.
 * Options given on the command line override the config file, which overrides the defaults.
 */
@Command(name = "train", description = "Train or resume a run; every checkpoint goes into the archive and index.")
final class TrainCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON config file (keys as in the run's config).")
    Path config;
    @Option(names = "--task", description = "Task: mod-add, mod-sub, mod-mul, mod-div, mod-sq-add, s5, dihedral, "
            + "or a sequence task (repeated-tokens, markov-icl, digit-add, sparse-parity, code-corpus).")
    String task;
    @Option(names = "--p", description = "Task size: the prime modulus of mod-* tasks, n of the dihedral group D_n (s5 ignores it).")
    Integer p;
    @Option(names = "--frac", description = "Fraction of examples used for training.")
    Double frac;
    @Option(names = "--steps", description = "Number of optimiser steps.")
    Integer steps;
    @Option(names = "--checkpoint-every", paramLabel = "K", description = "Checkpoint every K steps (plus step 0 and the last).")
    Integer checkpointEvery;
    @Option(names = "--eval-every", paramLabel = "K", description = "Evaluate test metrics every K steps.")
    Integer evalEvery;
    @Option(names = "--seed", description = "Seed of the data split and initialisation.")
    Long seed;
    @Option(names = "--lr", description = "AdamW learning rate.")
    Double lr;
    @Option(names = "--weight-decay", description = "AdamW decoupled weight decay.")
    Double weightDecay;
    @Option(names = "--layers", description = "Number of layers (sequence tasks; the grokking model has 1).")
    Integer layers;
    @Option(names = "--d-model", description = "Width of the residual stream.")
    Integer dModel;
    @Option(names = "--heads", description = "Attention heads per layer.")
    Integer heads;
    @Option(names = "--d-head", description = "Width of each attention head.")
    Integer dHead;
    @Option(names = "--attn-only", negatable = true, description = "Attention-only model, no MLPs (sequence tasks; default for them).")
    Boolean attnOnly;
    @Option(names = "--layer-norm", negatable = true, description = "Pre-LN LayerNorm (sequence tasks).")
    Boolean layerNorm;
    @Option(names = "--n-ctx", description = "Context length of sequence tasks.")
    Integer nCtx;
    @Option(names = "--vocab", description = "Number of token values of sequence tasks (repeated-tokens, markov-icl, code-corpus).")
    Integer vocab;
    @Option(names = "--batch-size", description = "Sequences per step (sequence tasks; classification is full-batch).")
    Integer batchSize;
    @Option(names = "--run-id", description = "Run id (default: derived from the config, so the same config resumes).")
    String runId;
    @Option(names = "--no-progress", description = "Print one line per checkpoint instead of a progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        RunConfig cfg = config();
        Archive a = archive.open();
        RunIndex index = Indexes.openForWritingOrNull(a);
        try (index; TrainingProgress progress = new TrainingProgress(!noProgress, System.out)) {
            TrainingListener listener = index == null ? progress
                    : TrainingListener.all(progress, new IndexingListener(a, index));
            TrainingRun.train(cfg, a, listener);
            System.out.println("run " + cfg.resolvedRunId() + " archived in " + a.root());
        }
        return 0;
    }

    /** The config these command-line arguments describe (used by tests to rebuild a CLI run's config). */
    RunConfig parse(String... args) {
        new picocli.CommandLine(this).parseArgs(args);
        return config();
    }

    RunConfig config() {
        // without a file, missing keys take the task's defaults (grokking, or those of a sequence task)
        Map<String, Object> values = new LinkedHashMap<>(config == null ? Map.of() : RunConfig.read(config).toMap());
        putIf(values, "task", task);
        putIf(values, "p", p);
        putIf(values, "train_fraction", frac);
        putIf(values, "steps", steps);
        putIf(values, "checkpoint_every", checkpointEvery);
        putIf(values, "eval_every", evalEvery);
        putIf(values, "seed", seed);
        putIf(values, "lr", lr);
        putIf(values, "weight_decay", weightDecay);
        putIf(values, "n_layers", layers);
        putIf(values, "d_model", dModel);
        putIf(values, "n_heads", heads);
        putIf(values, "d_head", dHead);
        putIf(values, "attn_only", attnOnly);
        putIf(values, "layer_norm", layerNorm);
        putIf(values, "n_ctx", nCtx);
        putIf(values, "vocab", vocab);
        putIf(values, "batch_size", batchSize);
        putIf(values, "run_id", runId);
        return RunConfig.fromMap(values).validate();
    }

    private static void putIf(Map<String, Object> m, String key, Object value) {
        if (value != null) m.put(key, value);
    }
}
