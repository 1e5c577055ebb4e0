package org.dynalens.server;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.Tensor;
import org.dynalens.archive.TensorInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checkpoints of a run and the parameters inside them:
 * {@code /api/runs/{id}/checkpoints}, {@code .../{step}/params}, {@code .../{step}/params/{name}?slice=}.
 */
final class CheckpointRoutes {

    /** Above this many values a JSON response gets slow for the server and the browser: ask for a slice. */
    static final long MAX_VALUES = 1_000_000;

    private final Archive archive;

    CheckpointRoutes(Archive archive) {
        this.archive = archive;
    }

    void mount(Vertx vertx, Router router) {
        router.get("/api/runs/:id/checkpoints").handler(OffEventLoop.json(vertx, this::checkpoints));
        router.get("/api/runs/:id/checkpoints/:step/params").handler(OffEventLoop.json(vertx, this::params));
        router.get("/api/runs/:id/checkpoints/:step/params/:name").handler(OffEventLoop.json(vertx, this::param));
        router.get("/api/runs/:id/checkpoints/:step/analysis").handler(OffEventLoop.json(vertx, this::analyses));
    }

    /** Analyses above this many values are listed without their data (ask for them as tensors instead). */
    static final int MAX_ANALYSIS_VALUES = 100_000;

    /**
     * The analyses stored with a checkpoint ({@code analysis/...}, e.g. key_freqs or Fourier norms of W_E), with
     * their values; an empty list when the checkpoint has none (analyses are optional).
     */
    private Object analyses(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        long step = RequestParams.step(ctx);
        List<Map<String, Object>> out = new ArrayList<>();
        for (TensorInfo t : run.listTensors(step)) {
            if (!t.path().startsWith(Checkpoint.ANALYSIS)) continue;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", t.path().substring(Checkpoint.ANALYSIS.length()));
            row.put("shape", t.shape());
            row.put("dtype", t.dtype());
            long size = Tensor.size(t.shape());
            if (size <= MAX_ANALYSIS_VALUES) {
                row.put("data", run.readTensor(step, t.path()).data());
            } else {
                row.put("data", null);
                row.put("note", "too large to inline (" + size + " values)");
            }
            out.add(row);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("step", step);
        body.put("analyses", out);
        return body;
    }

    /** Every checkpoint with its metrics; one corrupt file is reported in its row, not as a failed response. */
    private Object checkpoints(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (long step : run.checkpointSteps()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", step);
            try {
                row.put("metrics", run.readCheckpointMetrics(step));
            } catch (ArchiveException.NotFound gone) {
                continue; // deleted between listing and reading (e.g. pruned): no longer a checkpoint
            } catch (ArchiveException e) {
                row.put("error", ApiFailureHandler.relativize(archive.root(), e.getMessage()));
            }
            rows.add(row);
        }
        return rows;
    }

    private Object params(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        long step = RequestParams.step(ctx);
        List<Map<String, Object>> out = new ArrayList<>();
        for (TensorInfo t : run.listTensors(step)) {
            if (!t.path().startsWith(Checkpoint.PARAMS)) continue;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", t.path().substring(Checkpoint.PARAMS.length()));
            row.put("path", t.path());
            row.put("shape", t.shape());
            row.put("dtype", t.dtype());
            row.put("size", Tensor.size(t.shape()));
            out.add(row);
        }
        return out;
    }

    private Object param(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        long step = RequestParams.step(ctx);
        String name = ctx.pathParam("name");
        TensorInfo info = findParam(run, step, name);
        // the slice is checked against the real shape here: readSlice would report a bad slice as a corrupt file
        SliceSpec slice = SliceSpec.parse(RequestParams.first(ctx, "slice"), info.shape());
        if (slice.size() > MAX_VALUES) {
            throw new ApiError(413, "response too large", "that is " + slice.size() + " values of " + info.path()
                    + " (shape " + java.util.Arrays.toString(info.shape()) + "), more than " + MAX_VALUES
                    + " per request; ask for part of it with ?slice=, e.g. ?slice=0:10");
        }
        Tensor t = slice.coversAll(info.shape())
                ? run.readTensor(step, info.path())
                : run.readSlice(step, info.path(), slice.offset(), slice.shape());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("shape", t.shape());
        body.put("dtype", t.dtype());
        body.put("offset", slice.offset());
        body.put("full_shape", info.shape());
        body.put("data", t.data());
        return body;
    }

    private static TensorInfo findParam(RunArchive run, long step, String name) {
        String path = Checkpoint.PARAMS + name;
        for (TensorInfo t : run.listTensors(step)) {
            if (t.path().equals(path)) return t;
        }
        throw ApiError.notFound("unknown parameter", "checkpoint " + step + " of run " + run.id() + " has no parameter '"
                + name + "'; see /api/runs/" + run.id() + "/checkpoints/" + step + "/params");
    }
}
