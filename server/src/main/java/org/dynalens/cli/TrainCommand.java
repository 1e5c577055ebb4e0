package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunInfo;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.sweep.RunTrainer;
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
    @Option(names = "--positional-embedding-type", paramLabel = "TYPE", description = "standard: W_pos added to the "
            + "residual stream; shortformer: added to attention queries and keys only; rotary: no W_pos, queries and "
            + "keys rotated by position (sequence tasks).")
    String positionalEmbeddingType;
    @Option(names = "--smeared-keys", negatable = true, description = "Each head's key mixes in the previous position's "
            + "key with a learned weight (Olsson et al. 2022; sequence tasks).")
    Boolean smearedKeys;
    @Option(names = "--n-ctx", description = "Context length of sequence tasks.")
    Integer nCtx;
    @Option(names = "--vocab", description = "Number of token values of sequence tasks (repeated-tokens, markov-icl, code-corpus).")
    Integer vocab;
    @Option(names = "--batch-size", description = "Sequences per step (sequence tasks; classification is full-batch).")
    Integer batchSize;
    @Option(names = "--grokfast", description = "Grokfast-EMA gradient filter (Lee et al. 2024) with alpha 0.98, lambda 2 "
            + "unless --grokfast-alpha/--grokfast-lambda say otherwise. Off by default.")
    boolean grokfast;
    @Option(names = "--grokfast-alpha", paramLabel = "A", description = "Grokfast EMA momentum (turns Grokfast on).")
    Double grokfastAlpha;
    @Option(names = "--grokfast-lambda", paramLabel = "L", description = "Grokfast amplification of the slow gradient (turns Grokfast on).")
    Double grokfastLambda;
    @Option(names = "--from", paramLabel = "RUN@STEP", description = "Branch: start from the weights of checkpoint STEP "
            + "of run RUN (same architecture; task, data and hyper-parameters may differ) with a fresh optimiser. "
            + "The new run records parent_run and parent_step.")
    String from;
    @Option(names = "--run-id", description = "Run id (default: derived from the config, so the same config resumes).")
    String runId;
    @Option(names = "--no-progress", description = "Print one line per checkpoint instead of a progress bar.")
    boolean noProgress;
    /** Set by a sweep for its child processes: the sweep process is the index writer and indexes the run itself. */
    @Option(names = "--no-index", hidden = true)
    boolean noIndex;

    @Override
    public Integer call() {
        RunConfig cfg = config();
        Archive a = archive.open();
        RunIndex index = noIndex ? null : Indexes.openForWritingOrNull(a);
        try (index; TrainingProgress progress = new TrainingProgress(!noProgress, System.out)) {
            RunTrainer.train(cfg, a, index, progress, null);
            System.out.println("run " + cfg.resolvedRunId() + " archived in " + a.root());
            return 0;
        }
    }

    /** Trains (or resumes) {@code cfg} in {@code a}, indexing each checkpoint as it lands; the run's final info. */
    static RunInfo trainAndIndex(RunConfig cfg, Archive a, boolean progressBar) {
        RunIndex index = Indexes.openForWritingOrNull(a);
        try (index; TrainingProgress progress = new TrainingProgress(progressBar, System.out)) {
            return RunTrainer.train(cfg, a, index, progress, null).info();
        }
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
        putIf(values, "positional_embedding_type", positionalEmbeddingType);
        putIf(values, "smeared_keys", smearedKeys);
        putIf(values, "n_ctx", nCtx);
        putIf(values, "vocab", vocab);
        putIf(values, "batch_size", batchSize);
        putIf(values, "run_id", runId);
        if (from != null) {
            int at = from.lastIndexOf('@');
            if (at <= 0 || at == from.length() - 1) {
                throw new IllegalArgumentException("--from takes RUN@STEP, got '" + from + "'");
            }
            try {
                values.put("parent_step", Long.parseLong(from.substring(at + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--from takes RUN@STEP with a number STEP, got '" + from + "'");
            }
            values.put("parent_run", from.substring(0, at));
        }
        if (grokfast && grokfastAlpha == null && grokfastLambda == null && values.get("grokfast_alpha") == null) {
            values.put("grokfast_alpha", RunConfig.GROKFAST_ALPHA);
        }
        putIf(values, "grokfast_alpha", grokfastAlpha);
        putIf(values, "grokfast_lambda", grokfastLambda);
        return RunConfig.fromMap(values).validate();
    }

    private static void putIf(Map<String, Object> m, String key, Object value) {
        if (value != null) m.put(key, value);
    }
}
