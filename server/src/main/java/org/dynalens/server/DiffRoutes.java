package org.dynalens.server;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;
import org.dynalens.archive.TensorInfo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/diff?a=RUN@STEP&b=RUN@STEP}: what changed between two checkpoints of the same architecture, of
 * one run at two steps or of two runs (e.g. two seeds). See {@link CheckpointDiff} and {@link LogitProbe}.
 */
final class DiffRoutes {

    /** Diffs read two whole checkpoints and run two models: a few at a time, the rest wait briefly or get 503. */
    static final int CONCURRENT_DIFFS = 2;
    /** Parameters per checkpoint above this are refused (413) rather than read into memory twice. */
    static final long MAX_PARAM_VALUES = 50_000_000;

    private final Archive archive;
    private final Semaphore slots = new Semaphore(CONCURRENT_DIFFS, true);

    DiffRoutes(Archive archive) {
        this.archive = archive;
    }

    void mount(Vertx vertx, Router router) {
        router.get("/api/diff").handler(OffEventLoop.json(vertx, this::diff));
    }

    private Object diff(RoutingContext ctx) throws InterruptedException {
        CheckpointRef refA = CheckpointRef.parse("a", RequestParams.first(ctx, "a"));
        CheckpointRef refB = CheckpointRef.parse("b", RequestParams.first(ctx, "b"));
        RunArchive runA = run(refA);
        RunArchive runB = run(refB);
        long stepA = step(runA, refA);
        long stepB = step(runB, refB);

        Map<String, int[]> shapesA = paramShapes(runA, stepA);
        Map<String, int[]> shapesB = paramShapes(runB, stepB);
        Map<String, Object> difference = CheckpointDiff.architectureDifference(shapesA, shapesB);
        if (difference != null) {
            throw new ApiError(400, "different architectures", CheckpointDiff.describe(difference), difference);
        }
        long values = shapesA.values().stream().mapToLong(Tensor::size).sum();
        if (values > MAX_PARAM_VALUES) {
            throw new ApiError(413, "checkpoints too large", "the checkpoints have " + values + " parameters each; "
                    + "diffs are computed for up to " + MAX_PARAM_VALUES);
        }
        if (!slots.tryAcquire(30, TimeUnit.SECONDS)) {
            throw new ApiError(503, "busy", "other diffs are being computed; try again in a moment");
        }
        try {
            return compute(runA, stepA, runB, stepB);
        } finally {
            slots.release();
        }
    }

    private Map<String, Object> compute(RunArchive runA, long stepA, RunArchive runB, long stepB) {
        RunInfo infoA = runA.info();
        RunInfo infoB = runB.info();
        Checkpoint a = runA.readCheckpoint(stepA);
        Checkpoint b = runB.readCheckpoint(stepB);
        Map<String, Tensor> pa = a.params();
        Map<String, Tensor> pb = b.params();
        boolean sameRun = runA.id().equals(runB.id());

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("a", side(infoA, stepA));
        body.put("b", side(infoB, stepB));
        body.put("same_run", sameRun);
        body.put("total", CheckpointDiff.totalChange(pa, pb));
        body.put("parameters", CheckpointDiff.parameterChanges(pa, pb));
        body.put("metrics", CheckpointDiff.metricDeltas(a.metrics(), b.metrics()));
        body.put("key_freqs", CheckpointDiff.keyFrequencies(a, b));
        Map<String, Object> cka = new LinkedHashMap<>();
        cka.put("embedding", CheckpointDiff.embeddingCka(pa, pb));
        cka.putAll(LogitProbe.logitCka(infoA.config(), pa, infoB.config(), pb));
        body.put("cka", cka);
        body.put("heads", CheckpointDiff.heads(pa, pb, sameRun));
        return body;
    }

    private static Map<String, Object> side(RunInfo info, long step) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run", info.id());
        out.put("step", step);
        out.put("task", info.task());
        out.put("seed", info.seed());
        return out;
    }

    private RunArchive run(CheckpointRef ref) {
        if (!archive.hasRun(ref.run())) throw ApiError.notFound("unknown run", "no run '" + ref.run() + "'");
        return archive.run(ref.run());
    }

    private static long step(RunArchive run, CheckpointRef ref) {
        List<Long> steps = run.checkpointSteps();
        if (ref.step() == CheckpointRef.LATEST) {
            if (steps.isEmpty()) throw ApiError.notFound("unknown checkpoint", "run " + run.id() + " has no checkpoints yet");
            return steps.get(steps.size() - 1);
        }
        if (!steps.contains(ref.step())) {
            throw ApiError.notFound("unknown checkpoint", "run " + run.id() + " has no checkpoint at step " + ref.step()
                    + (steps.isEmpty() ? "; it has none yet" : "; it has " + steps.size() + " from step " + steps.get(0)
                    + " to " + steps.get(steps.size() - 1)));
        }
        return ref.step();
    }

    private static Map<String, int[]> paramShapes(RunArchive run, long step) {
        Map<String, int[]> out = new LinkedHashMap<>();
        try {
            for (TensorInfo t : run.listTensors(step)) {
                if (t.path().startsWith(Checkpoint.PARAMS)) out.put(t.path().substring(Checkpoint.PARAMS.length()), t.shape());
            }
        } catch (ArchiveException.NotFound e) {
            throw ApiError.notFound("unknown checkpoint", e.getMessage());
        }
        return out;
    }
}
