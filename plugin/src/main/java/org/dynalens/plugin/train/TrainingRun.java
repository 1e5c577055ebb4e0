package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.analysis.Analyses;
import org.dynalens.plugin.analysis.Analysis;
import org.dynalens.plugin.analysis.CheckpointAnalyser;
import org.dynalens.plugin.analysis.RunAnalysis;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Full-batch training of the grokking transformer with every checkpoint archived.
 *
 * <p>Step semantics: the checkpoint and the metrics of step s describe the weights after s optimiser updates.
 * Each iteration evaluates the weights of step s (and archives them when s is a checkpoint step), then applies
 * update s + 1. A run that exists in the archive with the same trajectory-defining config resumes from its last
 * readable checkpoint; because the data are full-batch and initialisation happens once, the weights and AdamW
 * moments are the whole state, and the continuation is bitwise identical to an uninterrupted run.
 */
public final class TrainingRun {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    /** A run counts as generalised ("grokked") at the first evaluation with test loss below this. */
    public static final double GROK_TEST_LOSS = 0.1;

    private TrainingRun() {
    }

    /**
     * Trains (or resumes) the run {@code cfg} describes in {@code archive}, analysing every checkpoint with the
     * registered analyses that apply to the task; returns its archive once training and analyses are done.
     */
    public static RunArchive train(RunConfig cfg, Archive archive, TrainingListener listener) {
        return train(cfg, archive, listener, Analyses.applicableTo(cfg.validate().createTask()));
    }

    /** As {@link #train(RunConfig, Archive, TrainingListener)} with the given analyses (none: an empty list). */
    public static RunArchive train(RunConfig cfg, Archive archive, TrainingListener listener, List<Analysis> analyses) {
        cfg.validate();
        return train(cfg, cfg.split(cfg.createTask()), Map.of(), archive, listener, analyses);
    }

    /**
     * Trains (or resumes) a run on a split made elsewhere (e.g. by Tribuo, see
     * {@code org.dynalens.plugin.tribuo.TransformerTrainer}) instead of the seeded split of
     * {@code cfg.trainFraction()}. The caller gives the run an explicit id that identifies the split, so that a
     * different split never resumes this run. {@code provenance} is merged over the standard provenance of a new
     * run (same keys win).
     */
    public static RunArchive train(RunConfig cfg, Examples.Split split, Map<String, Object> provenance, Archive archive,
                                   TrainingListener listener) {
        return train(cfg, split, provenance, archive, listener, Analyses.applicableTo(cfg.validate().createTask()));
    }

    private static RunArchive train(RunConfig cfg, Examples.Split split, Map<String, Object> provenance, Archive archive,
                                    TrainingListener listener, List<Analysis> analyses) {
        cfg.validate();
        Task task = cfg.createTask();
        ModelConfig modelConfig = cfg.model(task);
        String id = cfg.resolvedRunId();

        try (NDManager manager = Djl.newManager()) {
            RunArchive run;
            RunInfo info;
            Transformer model = null;
            AdamW optimiser = new AdamW(cfg.lr(), cfg.weightDecay(), cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.warmupSteps());
            MetricSeries series;
            long start = 0;
            if (archive.hasRun(id)) {
                run = archive.run(id);
                run.removeInterruptedWrites();
                RunInfo existing = run.info();
                Map<String, Object> before = RunConfig.fromMap(existing.config()).identity();
                if (!before.equals(cfg.identity())) {
                    throw new IllegalArgumentException("run '" + id + "' already exists with a different config ("
                            + difference(before, cfg.identity()) + "); choose another --run-id");
                }
                Checkpoint last = lastReadableCheckpoint(run);
                if (last != null) {
                    model = Transformer.fromTensors(modelConfig, last.params(), manager);
                    optimiser.load(last.withPrefix(Checkpoint.OPTIM), model.parameters(), manager);
                    start = last.step();
                }
                series = run.readMetrics();
                series.truncateAfter(start - 1);
                info = new RunInfo(id, existing.task(), existing.seed(), existing.created(), cfg.withRunId(null).toMap(),
                        existing.provenance(), existing.summary()).withSummary(Map.of("status", "running"));
                run.writeInfo(info);
                if (start > 0) LOG.info("resuming run {} from step {}", id, start);
            } else {
                Map<String, Object> runProvenance = Provenance.of(TrainingRun.class, modelConfig);
                runProvenance.putAll(provenance);
                info = new RunInfo(id, task.name(), cfg.seed(), Instant.now(), cfg.withRunId(null).toMap(),
                        runProvenance, Map.of("status", "running"));
                run = archive.createRun(info);
                series = new MetricSeries();
            }
            if (model == null) {
                model = Transformer.initialise(modelConfig, cfg.seed(), manager);
            }
            optimiser.initState(model.parameters(), manager);
            listener.onStart(info, start, cfg.steps());
            try (CheckpointAnalyser analyser = new CheckpointAnalyser(run, task, modelConfig, split, analyses, start)) {
                info = loop(cfg, run, info, model, optimiser, split, series, start, listener, analyser, manager);
                analyser.close(); // wait for the last checkpoints' analyses
                report(analyser, info, listener);
            }
            listener.onFinish(info);
            return run;
        }
    }

    private static RunInfo loop(RunConfig cfg, RunArchive run, RunInfo info, Transformer model, AdamW optimiser,
                                Examples.Split split, MetricSeries series, long start, TrainingListener listener,
                                CheckpointAnalyser analyser, NDManager manager) {
        int outVocab = model.config().dVocabOut();
        NDArray trainTokens = tokens(manager, split.train());
        NDArray trainOneHot = oneHot(manager, split.train().labels(), outVocab);
        NDArray trainLabels = manager.create(split.train().labels());
        NDArray testTokens = tokens(manager, split.test());
        NDArray testOneHot = oneHot(manager, split.test().labels(), outVocab);
        NDArray testLabels = manager.create(split.test().labels());
        Object grokStep = info.summary().get("grok_step");
        long began = System.nanoTime();
        long stepsDone = 0;

        for (long step = start; step <= cfg.steps(); step++) {
            boolean last = step == cfg.steps();
            boolean checkpoint = step % cfg.checkpointEvery() == 0 || last;
            boolean eval = checkpoint || step % cfg.evalEvery() == 0;
            try (NDScope ignored = new NDScope()) {
                LossAndAccuracy train;
                try (GradientCollector collector = Djl.engine().newGradientCollector()) {
                    NDArray logits = model.lastLogits(trainTokens);
                    train = crossEntropy64(logits, trainOneHot, trainLabels, !last);
                    if (!last) collector.backward(logits.mul(train.gradient()).sum());
                }
                if (!Double.isFinite(train.loss())) {
                    run.writeInfo(info.withSummary(Map.of("status", "diverged", "diverged_step", step)));
                    throw new IllegalStateException("training diverged at step " + step + " (train loss " + train.loss()
                            + "); the last good checkpoint is kept");
                }
                listener.onStep(step, train.loss());
                if (eval) {
                    LossAndAccuracy test = crossEntropy64(model.lastLogits(testTokens), testOneHot, testLabels, false);
                    Map<String, Double> metrics = new LinkedHashMap<>();
                    metrics.put("train_loss", train.loss());
                    metrics.put("test_loss", test.loss());
                    metrics.put("train_acc", train.accuracy());
                    metrics.put("test_acc", test.accuracy());
                    metrics.put("sum_sq_weights", model.sumOfSquaredWeights());
                    metrics.put("lr", optimiser.currentLearningRate());
                    series.append(step, metrics);
                    if (grokStep == null && test.loss() < GROK_TEST_LOSS) grokStep = step;
                    listener.onEval(step, metrics);
                    if (checkpoint) {
                        Map<String, Tensor> tensors = new LinkedHashMap<>();
                        model.toTensors().forEach((k, v) -> tensors.put(Checkpoint.PARAMS + k, v));
                        optimiser.state(model.parameters()).forEach((k, v) -> tensors.put(Checkpoint.OPTIM + k, v));
                        Checkpoint c = new Checkpoint(step, tensors, metrics);
                        run.writeCheckpoint(c);
                        run.writeMetrics(series);
                        double secs = (System.nanoTime() - began) / 1e9;
                        Map<String, Object> summary = new LinkedHashMap<>();
                        summary.put("status", last ? "finished" : "running");
                        summary.put("last_step", step);
                        summary.put("steps", cfg.steps());
                        if (stepsDone > 0) summary.put("ms_per_step", 1000 * secs / stepsDone);
                        if (grokStep != null) summary.put("grok_step", grokStep);
                        info = info.withSummary(summary);
                        run.writeInfo(info);
                        listener.onCheckpoint(info, c);
                        analyser.submit(c);
                    }
                    report(analyser, info, listener);
                }
                if (!last) {
                    optimiser.update(model.parameters());
                    stepsDone++;
                }
            }
        }
        return info;
    }

    /**
     * Recomputes every analysis of an archived run with its final checkpoint's key frequencies (see
     * {@link RunAnalysis}); the run's stored config defines the task and the split.
     */
    public static RunAnalysis.Outcome reanalyse(RunArchive run) {
        RunConfig cfg = RunConfig.fromMap(run.info().config());
        Task task = cfg.createTask();
        return RunAnalysis.reanalyse(run, task, cfg.model(task), cfg.split(task), Analyses.applicableTo(task));
    }

    /** Hands the analyses finished so far to the listener, on the training thread. */
    private static void report(CheckpointAnalyser analyser, RunInfo info, TrainingListener listener) {
        for (CheckpointAnalyser.Analysed a : analyser.drainFinished()) {
            listener.onAnalysis(info, a.checkpoint(), a.result().keywords());
        }
    }

    /**
     * Cross-entropy in float64 (Nanda et al. compute it in float64: float32 saturates late in training and causes
     * loss spikes). DJL's cast is not differentiable, so the gradient with respect to the float32 logits,
     * (softmax - onehot) / n, is computed here and back-propagated as {@code sum(logits * G)}.
     */
    static LossAndAccuracy crossEntropy64(NDArray logits, NDArray oneHot64, NDArray labels, boolean withGradient) {
        long n = logits.getShape().get(0);
        NDArray logProbs = logits.toType(DataType.FLOAT64, false).logSoftmax(1);
        double loss = -logProbs.mul(oneHot64).sum().getDouble() / n;
        double accuracy = logits.argMax(1).toType(DataType.INT32, false).eq(labels).sum().toType(DataType.FLOAT64, false)
                .getDouble() / n;
        NDArray gradient = withGradient
                ? logProbs.exp().sub(oneHot64).div(n).toType(DataType.FLOAT32, false)
                : null;
        return new LossAndAccuracy(loss, accuracy, gradient);
    }

    record LossAndAccuracy(double loss, double accuracy, NDArray gradient) {
    }

    private static NDArray tokens(NDManager manager, Examples ex) {
        long[] t = new long[ex.tokens().length];
        for (int i = 0; i < t.length; i++) t[i] = ex.tokens()[i];
        return manager.create(t, new Shape(ex.size(), ex.contextLength()));
    }

    private static NDArray oneHot(NDManager manager, int[] labels, int classes) {
        double[] v = new double[labels.length * classes];
        for (int i = 0; i < labels.length; i++) v[i * classes + labels[i]] = 1;
        return manager.create(v, new Shape(labels.length, classes));
    }

    /** The newest checkpoint that reads back; a damaged newest file falls back to the one before. */
    private static Checkpoint lastReadableCheckpoint(RunArchive run) {
        List<Long> steps = run.checkpointSteps();
        for (int i = steps.size() - 1; i >= 0; i--) {
            try {
                return run.readCheckpoint(steps.get(i));
            } catch (ArchiveException e) {
                LOG.warn("skipping unreadable checkpoint: {}", e.getMessage());
            }
        }
        return null;
    }

    private static String difference(Map<String, Object> a, Map<String, Object> b) {
        StringBuilder s = new StringBuilder();
        for (String k : a.keySet()) {
            if (!String.valueOf(a.get(k)).equals(String.valueOf(b.get(k)))) {
                if (s.length() > 0) s.append(", ");
                s.append(k).append(": ").append(a.get(k)).append(" vs ").append(b.get(k));
            }
        }
        return s.toString();
    }
}
