package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.analysis.heads.CheckpointMeasure;
import org.dynalens.plugin.analysis.heads.CompositionScoreMeasure;
import org.dynalens.plugin.analysis.heads.CopyingScoreMeasure;
import org.dynalens.plugin.analysis.heads.HeadRoles;
import org.dynalens.plugin.analysis.heads.HeadScoreMeasure;
import org.dynalens.plugin.analysis.heads.PhaseChange;
import org.dynalens.plugin.analysis.heads.TaskRepeatMeasure;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.SequenceBatch;
import org.dynalens.plugin.task.SequenceTask;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mini-batch next-token training of the n-layer transformer on a {@link SequenceTask}, every checkpoint archived
 * with head scores and per-position losses.
 *
 * <p>Step semantics are those of {@link TrainingRun}: the metrics and checkpoint of step s describe the weights after
 * s updates; update s + 1 uses the batch {@code task.batch(seed, s, batch_size)}. Data are a pure function of
 * {@code (seed, step)}, so the weights and AdamW moments in a checkpoint are the whole training state and a resumed
 * run continues bitwise identically (with one intra-op thread).
 *
 * <p>Loss: mean cross-entropy over the positions the batch counts, in float64; as DJL cannot differentiate a cast,
 * the gradient {@code (softmax - onehot) / counted} is computed in float64 and back-propagated through the float32
 * logits as {@code sum(logits * G)} (ANCHORS.md section 4).
 *
 * <p>Evaluated every {@code eval_every} steps on a fixed batch of {@value #EVAL_SEQUENCES} sequences from the
 * evaluation stream ({@link SequenceTask#evaluationSeed}): {@code test_loss}, {@code test_acc},
 * {@code loss_<group>} for the task's loss groups (e.g. {@code loss_repeated_half}, {@code loss_digit_3}),
 * {@code icl_score}, the head scores of {@link HeadScoreMeasure}, the copying scores of {@link CopyingScoreMeasure}
 * ({@code copying_score_L1H0}, ...), the composition scores of {@link CompositionScoreMeasure}
 * ({@code k_composition_L1H0}, ...), the repeated-sequence test on the task's own tokens of
 * {@link TaskRepeatMeasure} ({@code task_repeat_loss_repeated_half}, ...), {@code sum_sq_weights} and {@code lr}.
 * Checkpoints add {@code analysis/loss_by_position} (float64 [n_ctx], NaN where nothing counts) and the head-score tensors.
 *
 * <p>In-context-learning score (Olsson et al. 2022: loss at token 500 minus loss at token 50 of 512): loss at
 * position {@code floor(500/512 * n_ctx)} minus loss at {@code floor(50/512 * n_ctx)}, the late position clamped to
 * the last counted one; absent when either is not counted. Negative means later tokens are predicted better.
 *
 * <p>Run summary: {@code head_roles} of the latest checkpoint (e.g. {@code L1H0=induction}) and, once
 * {@code induction_score_max} has risen by at least {@value #INDUCTION_MIN_RISE}, the induction phase change of
 * {@link PhaseChange}: {@code induction_phase_step} (first step at half the rise), {@code induction_phase_fastest_step},
 * {@code induction_phase_from_step} / {@code induction_phase_to_step} (10% / 90% of the rise).
 */
public final class SequenceTrainingRun {

    public static final int EVAL_SEQUENCES = 128;
    public static final double INDUCTION_MIN_RISE = 0.3;

    private SequenceTrainingRun() {
    }

    /** Trains (or resumes) the sequence-task run {@code cfg} describes in {@code archive}; returns its archive. */
    public static RunArchive train(RunConfig cfg, Archive archive, TrainingListener listener) {
        cfg.validate();
        if (!cfg.isSequenceTask()) throw new IllegalArgumentException("task " + cfg.task() + " is not a sequence task");
        SequenceTask task = cfg.createSequenceTask();
        ModelConfig modelConfig = cfg.sequenceModel(task);
        try (NDManager manager = Djl.newManager()) {
            AdamW optimiser = AdamW.forConfig(cfg);
            RunSession session = RunSession.open(cfg, archive, task.name(), SequenceTrainingRun.class, modelConfig, Map.of());
            Transformer model = session.model(modelConfig, manager, optimiser);
            listener.onStart(session.info, session.start, cfg.steps());
            loop(session, task, model, optimiser, listener, manager);
            listener.onFinish(session.info);
            return session.run;
        }
    }

    private static void loop(RunSession session, SequenceTask task, Transformer model, AdamW optimiser,
                             TrainingListener listener, NDManager manager) {
        RunConfig cfg = session.cfg;
        int vocab = task.vocab();
        SequenceBatch evalBatch = task.batch(SequenceTask.evaluationSeed(cfg.seed()), 0, EVAL_SEQUENCES);
        NDArray evalTokens = tokens(manager, evalBatch);
        CheckpointMeasure heads = new HeadScoreMeasure(model.config(), cfg.seed());
        CheckpointMeasure copying = new CopyingScoreMeasure(model.config());
        CheckpointMeasure composition = new CompositionScoreMeasure(model.config());
        CheckpointMeasure taskRepeat = new TaskRepeatMeasure(model.config(), evalBatch.size(), evalBatch.tokens());

        for (long step = session.start; step <= cfg.steps(); step++) {
            boolean last = step == cfg.steps();
            boolean checkpoint = step % cfg.checkpointEvery() == 0 || last;
            boolean eval = checkpoint || step % cfg.evalEvery() == 0;
            try (NDScope ignored = new NDScope()) {
                SequenceBatch batch = task.batch(cfg.seed(), step, cfg.batchSize());
                NextTokenLoss train;
                try (GradientCollector collector = Djl.engine().newGradientCollector()) {
                    NDArray logits = model.logits(tokens(manager, batch));
                    train = NextTokenLoss.of(logits, batch, vocab, !last);
                    if (!last) collector.backward(logits.mul(train.gradient()).sum());
                }
                session.failIfDiverged(step, train.loss());
                listener.onStep(step, train.loss());
                if (eval) {
                    NextTokenLoss test = NextTokenLoss.of(model.logits(evalTokens), evalBatch, vocab, false);
                    double[] byPosition = test.lossByPosition();
                    Map<String, Double> metrics = new LinkedHashMap<>();
                    metrics.put("train_loss", train.loss());
                    metrics.put("test_loss", test.loss());
                    metrics.put("test_acc", test.accuracy());
                    task.lossGroups().forEach((name, positions) -> metrics.put("loss_" + name, mean(byPosition, positions)));
                    double icl = inContextLearningScore(byPosition);
                    if (!Double.isNaN(icl)) metrics.put("icl_score", icl);
                    CheckpointMeasure.Measurements m = heads.measure(model, manager);
                    metrics.putAll(m.metrics());
                    CheckpointMeasure.Measurements c = copying.measure(model, manager);
                    metrics.putAll(c.metrics());
                    CheckpointMeasure.Measurements k = composition.measure(model, manager);
                    metrics.putAll(k.metrics());
                    CheckpointMeasure.Measurements t = taskRepeat.measure(model, manager);
                    metrics.putAll(t.metrics());
                    metrics.put("sum_sq_weights", model.sumOfSquaredWeights());
                    metrics.put("lr", optimiser.currentLearningRate());
                    session.series.append(step, metrics);
                    listener.onEval(step, metrics);
                    if (checkpoint) {
                        Map<String, Tensor> analysis = new LinkedHashMap<>(m.tensors());
                        analysis.putAll(c.tensors());
                        analysis.putAll(k.tensors());
                        analysis.putAll(t.tensors());
                        analysis.put("loss_by_position", Tensor.vector(byPosition));
                        Map<String, Object> summary = new LinkedHashMap<>();
                        summary.put(HEAD_ROLES, m.keywords());
                        summary.putAll(inductionPhase(session));
                        session.writeCheckpoint(step, last, model, optimiser, metrics, analysis, summary, listener);
                    }
                }
                if (!last) {
                    optimiser.update(model.parameters());
                    session.stepDone();
                }
            }
        }
    }

    /** Summary key of the latest checkpoint's head roles ({@link HeadRoles#names}). */
    public static final String HEAD_ROLES = "head_roles";

    /** The induction phase change so far (see the class comment), as summary entries; empty when none yet. */
    static Map<String, Object> inductionPhase(RunSession session) {
        if (!session.series.names().contains("induction_score_max")) return Map.of();
        PhaseChange.Result r = PhaseChange.detect(session.series.steps(), session.series.values("induction_score_max"),
                INDUCTION_MIN_RISE);
        if (r == null) return Map.of();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("induction_phase_step", r.step());
        out.put("induction_phase_fastest_step", r.fastestStep());
        out.put("induction_phase_from_step", r.fromStep());
        out.put("induction_phase_to_step", r.toStep());
        return out;
    }

    /** Loss at {@code floor(500/512 n)} (clamped to the last counted position) minus loss at {@code floor(50/512 n)}. */
    static double inContextLearningScore(double[] lossByPosition) {
        int n = lossByPosition.length;
        int early = (int) Math.floor(50.0 / 512 * n);
        int late = Math.min((int) Math.floor(500.0 / 512 * n), n - 1);
        while (late > early && Double.isNaN(lossByPosition[late])) late--;
        if (late <= early || Double.isNaN(lossByPosition[early])) return Double.NaN;
        return lossByPosition[late] - lossByPosition[early];
    }

    private static double mean(double[] values, int[] positions) {
        double s = 0;
        for (int i : positions) s += values[i];
        return s / positions.length;
    }

    private static NDArray tokens(NDManager manager, SequenceBatch b) {
        return Djl.tokens(manager, b.tokens(), b.size());
    }
}
