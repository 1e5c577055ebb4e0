package org.dynalens.plugin.trajectory;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.Batches;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.Task;
import org.dynalens.plugin.train.RunConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The checkpoints of one or more runs as points for {@link GramPca}: flattened weights (all parameters or those a
 * filter selects, in name order), or the logits on a fixed set of inputs. Several runs are analysed jointly, in one
 * coordinate system, which needs the same architecture (same parameter names and shapes) and, for logits, the same
 * task.
 */
public final class Trajectories {

    /** One point per checkpoint, in run order then step order. */
    public record Points(List<String> runs, List<Long> steps, float[][] rows) {
    }

    /** A PCA of the points, with each row's run and step. */
    public record Pca(String kind, List<String> runs, List<Long> steps, int dimensions, GramPca.Result pca) {
    }

    private Trajectories() {
    }

    /** Weight-trajectory PCA of the runs' checkpoints (parameters whose name passes {@code params}). */
    public static Pca weightPca(List<RunArchive> runs, Predicate<String> params, int components) {
        Points p = weights(runs, params);
        return new Pca("weights", p.runs(), p.steps(), p.rows()[0].length, GramPca.fit(p.rows(), components));
    }

    /** Logit-trajectory PCA: the logits of {@code inputs} fixed examples of the task at each checkpoint. */
    public static Pca logitPca(List<RunArchive> runs, int inputs, int components) {
        Points p = logits(runs, inputs);
        return new Pca("logits", p.runs(), p.steps(), p.rows()[0].length, GramPca.fit(p.rows(), components));
    }

    /** Every checkpoint's selected parameters, flattened in name order. */
    public static Points weights(List<RunArchive> runs, Predicate<String> params) {
        List<String> ids = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        Map<String, List<Integer>> layout = null;
        for (RunArchive run : runs) {
            for (long step : run.checkpointSteps()) {
                Checkpoint c = run.readCheckpoint(step);
                TreeMap<String, Tensor> selected = new TreeMap<>();
                c.params().forEach((name, t) -> {
                    if (params.test(name)) selected.put(name, t);
                });
                if (selected.isEmpty()) {
                    throw new IllegalArgumentException("no parameter of run " + run.id() + " matches the selection");
                }
                Map<String, List<Integer>> shapes = new LinkedHashMap<>();
                selected.forEach((name, t) -> shapes.put(name, Arrays.stream(t.shape()).boxed().toList()));
                if (layout == null) layout = shapes;
                else if (!layout.equals(shapes)) {
                    throw new IllegalArgumentException("run " + run.id() + " has another architecture than " + ids.get(0)
                            + " (parameters " + shapes + " vs " + layout + "); joint PCA needs the same one");
                }
                int d = selected.values().stream().mapToInt(Tensor::size).sum();
                float[] row = new float[d];
                int at = 0;
                for (Tensor t : selected.values()) {
                    float[] f = t.floats();
                    System.arraycopy(f, 0, row, at, f.length);
                    at += f.length;
                }
                ids.add(run.id());
                steps.add(step);
                rows.add(row);
            }
        }
        if (rows.isEmpty()) throw new IllegalArgumentException("the runs have no checkpoints");
        return new Points(ids, steps, rows.toArray(float[][]::new));
    }

    /**
     * Every checkpoint's logits on the same inputs: all of the task's examples when there are at most
     * {@code maxInputs}, else a fixed seeded subset of that many (seed 0, so every call and every run uses the same).
     * Classification (grokking) tasks only; all runs must have the same task.
     */
    public static Points logits(List<RunArchive> runs, int maxInputs) {
        if (maxInputs < 1) throw new IllegalArgumentException("need at least one input, got " + maxInputs);
        List<String> ids = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        String taskIdentity = null;
        try (NDManager manager = Djl.newManager()) {
            for (RunArchive run : runs) {
                RunConfig cfg = RunConfig.fromMap(run.info().config());
                if (cfg.isSequenceTask()) {
                    throw new IllegalArgumentException("logit trajectories are for classification tasks; run " + run.id()
                            + " has the sequence task " + cfg.task());
                }
                Task task = cfg.createTask();
                String identity = cfg.task() + "/p" + cfg.p();
                if (taskIdentity == null) taskIdentity = identity;
                else if (!taskIdentity.equals(identity)) {
                    throw new IllegalArgumentException("run " + run.id() + " has task " + identity + ", not " + taskIdentity
                            + "; a joint logit PCA needs the same inputs");
                }
                ModelConfig modelConfig = cfg.model(task);
                Examples inputs = fixedInputs(task.allExamples(), maxInputs);
                long[] tokens = Arrays.stream(inputs.tokens()).asLongStream().toArray();
                for (long step : run.checkpointSteps()) {
                    try (NDManager sub = manager.newSubManager()) {
                        Transformer model = Transformer.fromTensors(modelConfig, run.readCheckpoint(step).params(), sub);
                        NDArray logits = model.lastLogits(sub.create(tokens, new Shape(inputs.size(), inputs.contextLength())));
                        rows.add(logits.toFloatArray());
                    }
                    ids.add(run.id());
                    steps.add(step);
                }
            }
        }
        if (rows.isEmpty()) throw new IllegalArgumentException("the runs have no checkpoints");
        return new Points(ids, steps, rows.toArray(float[][]::new));
    }

    /** All examples, or a seeded subset of {@code max} of them in their original order. */
    static Examples fixedInputs(Examples all, int max) {
        if (all.size() <= max) return all;
        int[] chosen = Arrays.copyOf(Batches.permutation(all.size(), new Random(0)), max);
        Arrays.sort(chosen);
        return all.select(chosen);
    }
}
