package org.dynalens.server;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.analysis.heads.HeadScoreMeasure;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.SequenceTask;
import org.dynalens.plugin.task.Task;
import org.dynalens.plugin.train.RunConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attention patterns of a checkpoint's model on one input sequence, for the run page's heatmap:
 * {@code GET /api/runs/{id}/checkpoints/{step}/attention?layer=&head=&tokens=&input=}.
 *
 * <p>The model is rebuilt from the run's stored config and the checkpoint's parameters (inference only), and run on
 * one sequence: the caller's {@code tokens} (comma-separated ids, 1 to n_ctx of them, each below d_vocab), or a
 * default input. Defaults: for a sequence task, {@code input=probe} (sequence 0 of the head-score probe of
 * {@link HeadScoreMeasure}: random tokens repeated twice, the input the stored induction scores were measured on) or
 * {@code input=task} (the first sequence of the run's evaluation stream); for a classification task such as mod-add,
 * the first test example ({@code a b =}). {@code layer} and {@code head} pick one layer / head; absent means all.
 *
 * <p>Response: {@code {"step", "input", "tokens", "labels", "n_layers", "n_heads", "patterns": [{"layer", "head",
 * "pattern": [query][key]}]}}; every row sums to 1 and is zero above the diagonal (causal attention); labels are
 * the tokens as text where the task has a text form (code-corpus tokens; {@code =} for mod-add), else the ids.
 */
final class AttentionRoutes {

    /** Pattern values per response (layers x heads x n x n) above this: ask for one layer or head. */
    static final long MAX_VALUES = 1_000_000;
    /** Longest accepted {@code tokens} parameter, in characters (n_ctx up to 4096 ids of up to 5 digits). */
    static final int MAX_TOKENS_CHARS = 32_768;

    private final Archive archive;

    AttentionRoutes(Archive archive) {
        this.archive = archive;
    }

    void mount(Vertx vertx, Router router) {
        router.get("/api/runs/:id/checkpoints/:step/attention").handler(OffEventLoop.json(vertx, this::attention));
    }

    /** The model shape and default inputs of a run, rebuilt from its stored config. */
    private record RunModel(ModelConfig model, RunConfig config, SequenceTask sequenceTask, Task task) {
    }

    private Object attention(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        long step = RequestParams.step(ctx);
        if (!run.checkpointSteps().contains(step)) {
            throw ApiError.notFound("unknown checkpoint", "run " + run.id() + " has no checkpoint at step " + step);
        }
        RunModel rm = rebuild(run);
        ModelConfig m = rm.model();
        Integer layer = optionalInt(ctx, "layer", m.nLayers());
        Integer head = optionalInt(ctx, "head", m.nHeads());
        String inputName = RequestParams.first(ctx, "input");
        String rawTokens = RequestParams.first(ctx, "tokens");
        int[] tokens;
        String input;
        if (rawTokens != null && !rawTokens.isBlank()) {
            if (inputName != null && !inputName.isBlank()) {
                throw ApiError.badRequest("bad parameter", "give either tokens or input, not both");
            }
            tokens = parseTokens(rawTokens, m);
            input = "given";
        } else {
            input = inputName == null || inputName.isBlank() ? (rm.sequenceTask() != null ? "probe" : "example") : inputName.trim();
            try {
                tokens = defaultInput(rm, input);
            } catch (IllegalArgumentException e) { // e.g. a context too short for the probe
                throw new ApiError(422, "no default input", "run " + run.id() + " has no '" + abbreviate(input)
                        + "' input: " + e.getMessage() + "; give tokens=...");
            }
        }
        long values = (long) (layer == null ? m.nLayers() : 1) * (head == null ? m.nHeads() : 1) * tokens.length * tokens.length;
        if (values > MAX_VALUES) {
            throw new ApiError(413, "response too large", values + " attention weights (" + tokens.length
                    + " tokens) is more than " + MAX_VALUES + " per request; ask for one layer and head (?layer=0&head=0)"
                    + " or fewer tokens");
        }
        Map<String, Tensor> params = run.readCheckpoint(step).params();
        List<float[]> perLayer = patterns(m, params, tokens, run.id(), step);
        int n = tokens.length;
        List<Map<String, Object>> out = new ArrayList<>();
        for (int l = 0; l < m.nLayers(); l++) {
            if (layer != null && l != layer) continue;
            for (int h = 0; h < m.nHeads(); h++) {
                if (head != null && h != head) continue;
                float[][] rows = new float[n][];
                for (int q = 0; q < n; q++) {
                    int from = (h * n + q) * n;
                    rows[q] = java.util.Arrays.copyOfRange(perLayer.get(l), from, from + n);
                }
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("layer", l);
                one.put("head", h);
                one.put("pattern", rows);
                out.add(one);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("step", step);
        body.put("input", input);
        body.put("tokens", tokens);
        body.put("labels", labels(rm, tokens));
        body.put("n_layers", m.nLayers());
        body.put("n_heads", m.nHeads());
        body.put("patterns", out);
        return body;
    }

    /** The run's model shape and task; 422 when the stored config no longer builds one (unknown task or keys). */
    private static RunModel rebuild(RunArchive run) {
        try {
            RunConfig cfg = RunConfig.fromMap(run.info().config());
            if (cfg.isSequenceTask()) {
                SequenceTask t = cfg.createSequenceTask();
                return new RunModel(cfg.sequenceModel(t), cfg, t, null);
            }
            Task t = cfg.createTask();
            return new RunModel(cfg.model(t), cfg, null, t);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ApiError(422, "no model", "cannot rebuild the model of run " + run.id()
                    + " from its stored config: " + e.getMessage());
        }
    }

    private static int[] defaultInput(RunModel rm, String input) {
        if (rm.sequenceTask() != null) {
            return switch (input) {
                case "probe" -> new HeadScoreMeasure(rm.model(), rm.config().seed()).probeSequence(0);
                case "task" -> rm.sequenceTask().batch(SequenceTask.evaluationSeed(rm.config().seed()), 0, 1).tokens();
                default -> throw ApiError.badRequest("bad parameter", "input must be probe or task for a sequence task"
                        + " (or give tokens=...), got '" + abbreviate(input) + "'");
            };
        }
        if (!input.equals("example")) {
            throw ApiError.badRequest("bad parameter", "input must be example for task " + rm.task().name()
                    + " (or give tokens=...), got '" + abbreviate(input) + "'");
        }
        Examples test = rm.config().split(rm.task()).test();
        return java.util.Arrays.copyOfRange(test.tokens(), 0, test.contextLength());
    }

    /** Readable tokens for the heatmap's axes: the task's own text (code tokens), {@code =} for mod-add's p. */
    private static String[] labels(RunModel rm, int[] tokens) {
        String[] out = new String[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            if (rm.sequenceTask() != null) {
                out[i] = rm.sequenceTask().tokenText(tokens[i]);
            } else {
                out[i] = tokens[i] >= rm.model().dVocabOut() ? "=" : Integer.toString(tokens[i]);
            }
        }
        return out;
    }

    /** An optional index parameter in [0, count); absent means all. */
    private static Integer optionalInt(RoutingContext ctx, String name, int count) {
        String raw = RequestParams.first(ctx, name);
        if (raw == null || raw.isBlank()) return null;
        return RequestParams.intParam(ctx, name, 0, 0, count - 1);
    }

    private static int[] parseTokens(String raw, ModelConfig m) {
        if (raw.length() > MAX_TOKENS_CHARS) {
            throw ApiError.badRequest("bad tokens", "tokens is " + raw.length() + " characters long; the model takes at most "
                    + m.nCtx() + " tokens");
        }
        String[] parts = raw.split(",", -1);
        if (parts.length > m.nCtx()) {
            throw ApiError.badRequest("bad tokens", parts.length + " tokens given; the model's context is n_ctx = " + m.nCtx());
        }
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            try {
                out[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("bad tokens", "token " + i + " is not an integer: '" + abbreviate(p) + "'");
            }
            if (out[i] < 0 || out[i] >= m.dVocab()) {
                throw ApiError.badRequest("bad tokens", "token " + i + " is " + out[i] + "; token ids are 0 to "
                        + (m.dVocab() - 1) + " (d_vocab = " + m.dVocab() + ")");
            }
        }
        return out;
    }

    /** Every layer's pattern, float32 [n_heads, n, n] row-major each. */
    private static List<float[]> patterns(ModelConfig cfg, Map<String, Tensor> params, int[] tokens, String id, long step) {
        long[] t = new long[tokens.length];
        for (int i = 0; i < t.length; i++) t[i] = tokens[i];
        try (NDManager manager = Djl.newManager(); Transformer model = fromCheckpoint(cfg, params, manager, id, step)) {
            List<float[]> out = new ArrayList<>();
            for (NDArray a : model.attentionPatterns(manager.create(t, new Shape(1, t.length)))) out.add(a.toFloatArray());
            return out;
        }
    }

    private static Transformer fromCheckpoint(ModelConfig cfg, Map<String, Tensor> params, NDManager manager, String id, long step) {
        try {
            return Transformer.fromTensors(cfg, params, manager);
        } catch (IllegalArgumentException e) {
            throw new ApiError(422, "no model", "checkpoint " + step + " of run " + id + " does not fit its config: "
                    + e.getMessage());
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
