package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.plugin.analysis.Analyses;
import org.dynalens.plugin.analysis.Analysis;
import org.dynalens.plugin.analysis.CheckpointAnalyser;
import org.dynalens.plugin.analysis.GrokkingPhases;
import org.dynalens.plugin.analysis.RunAnalysis;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.Task;

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

    /** A run counts as generalised ("grokked") at the first evaluation with test loss below this. */
    public static final double GROK_TEST_LOSS = GrokkingPhases.GROK_TEST_LOSS;

    private TrainingRun() {
    }

    /**
     * Trains (or resumes) the run {@code cfg} describes in {@code archive}, analysing every checkpoint with the
     * registered analyses that apply to the task; returns its archive once training and analyses are done.
     * Sequence (next-token) tasks are handed to {@link SequenceTrainingRun}.
     */
    public static RunArchive train(RunConfig cfg, Archive archive, TrainingListener listener) {
        if (cfg.validate().isSequenceTask()) return SequenceTrainingRun.train(cfg, archive, listener);
        return train(cfg, archive, listener, Analyses.applicableTo(cfg.createTask()));
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
        try (NDManager manager = Djl.newManager()) {
            AdamW optimiser = AdamW.forConfig(cfg);
            RunSession session = RunSession.open(cfg, archive, task.name(), TrainingRun.class, modelConfig, provenance);
            Transformer model = session.model(modelConfig, manager, optimiser);
            listener.onStart(session.info, session.start, cfg.steps());
            try (CheckpointAnalyser analyser = new CheckpointAnalyser(session.run, task, modelConfig, split, analyses,
                    session.start)) {
                loop(session, model, optimiser, split, listener, analyser, manager);
                analyser.close(); // wait for the last checkpoints' analyses
                report(analyser, session.info, listener);
                session.info = new GrokkingPhases().store(session.run); // phases need every measure: at the end
            }
            listener.onFinish(session.info);
            return session.run;
        }
    }

    private static void loop(RunSession session, Transformer model, AdamW optimiser, Examples.Split split,
                             TrainingListener listener, CheckpointAnalyser analyser, NDManager manager) {
        RunConfig cfg = session.cfg;
        int outVocab = model.config().dVocabOut();
        NDArray trainTokens = tokens(manager, split.train());
        NDArray trainOneHot = oneHot(manager, split.train().labels(), outVocab);
        NDArray trainLabels = manager.create(split.train().labels());
        NDArray testTokens = tokens(manager, split.test());
        NDArray testOneHot = oneHot(manager, split.test().labels(), outVocab);
        NDArray testLabels = manager.create(split.test().labels());
        Object grokStep = session.info.summary().get("grok_step");

        for (long step = session.start; step <= cfg.steps(); step++) {
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
                session.failIfDiverged(step, train.loss());
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
                    session.series.append(step, metrics);
                    if (grokStep == null && test.loss() < GROK_TEST_LOSS) grokStep = step;
                    listener.onEval(step, metrics);
                    if (checkpoint) {
                        Checkpoint c = session.writeCheckpoint(step, last, model, optimiser, metrics, Map.of(),
                                grokStep == null ? Map.of() : Map.of("grok_step", grokStep), listener);
                        analyser.submit(c);
                    }
                    report(analyser, session.info, listener);
                }
                if (!last) {
                    optimiser.update(model.parameters());
                    session.stepDone();
                }
            }
        }
    }

    /**
     * Recomputes every analysis of an archived run with its final checkpoint's key frequencies (see
     * {@link RunAnalysis}), then its phases ({@link GrokkingPhases}) from the new measures; the run's stored config
     * defines the task and the split.
     */
    public static RunAnalysis.Outcome reanalyse(RunArchive run) {
        return reanalyse(run, List.of());
    }

    /** As {@link #reanalyse(RunArchive)}, adding opt-in analyses (e.g. the local learning coefficient). */
    public static RunAnalysis.Outcome reanalyse(RunArchive run, List<Analysis> optIn) {
        return reanalyse(run, optIn, RunAnalysis.Progress.NONE);
    }

    /** As {@link #reanalyse(RunArchive, List)}, telling {@code progress} after each checkpoint. */
    public static RunAnalysis.Outcome reanalyse(RunArchive run, List<Analysis> optIn, RunAnalysis.Progress progress) {
        RunConfig cfg = RunConfig.fromMap(run.info().config());
        Task task = cfg.createTask();
        List<Analysis> analyses = new java.util.ArrayList<>(Analyses.applicableTo(task));
        analyses.addAll(optIn);
        RunAnalysis.Outcome outcome = RunAnalysis.reanalyse(run, task, cfg.model(task), cfg.split(task), analyses,
                progress);
        new GrokkingPhases().store(run);
        return outcome;
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
    public static LossAndAccuracy crossEntropy64(NDArray logits, NDArray oneHot64, NDArray labels, boolean withGradient) {
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

    public record LossAndAccuracy(double loss, double accuracy, NDArray gradient) {
    }

    /** The examples' tokens as int64 [size, n_ctx]. */
    public static NDArray tokens(NDManager manager, Examples ex) {
        return Djl.tokens(manager, ex.tokens(), ex.size());
    }

    /** One-hot float64 [labels, classes], the target of {@link #crossEntropy64}. */
    public static NDArray oneHot(NDManager manager, int[] labels, int classes) {
        double[] v = new double[labels.length * classes];
        for (int i = 0; i < labels.length; i++) v[i * classes + labels[i]] = 1;
        return manager.create(v, new Shape(labels.length, classes));
    }
}
