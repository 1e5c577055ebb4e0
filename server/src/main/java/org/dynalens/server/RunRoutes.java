package org.dynalens.server;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.dynalens.archive.Archive;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/runs/{id}} and {@code GET /api/runs/{id}/metrics?names=&max_points=}: straight from the archive.
 */
final class RunRoutes {

    /** Upper bound of max_points: more than any chart can show, small enough to keep responses bounded. */
    static final int MAX_POINTS_LIMIT = 100_000;

    private final Archive archive;

    RunRoutes(Archive archive) {
        this.archive = archive;
    }

    void mount(Vertx vertx, Router router) {
        router.get("/api/runs/:id").handler(OffEventLoop.json(vertx, this::run));
        router.get("/api/runs/:id/metrics").handler(OffEventLoop.json(vertx, this::metrics));
    }

    private Object run(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        RunInfo info = run.info();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", info.id());
        body.put("task", info.task());
        body.put("seed", info.seed());
        body.put("created", info.created().toString());
        body.put("config", info.config());
        body.put("provenance", info.provenance());
        body.put("summary", info.summary());
        body.put("checkpoints", run.checkpointSteps());
        return body;
    }

    private Object metrics(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        MetricSeries series = run.readMetrics();
        List<String> available = series.names();
        List<String> names = RequestParams.list(ctx, "names");
        int maxPoints = RequestParams.intParam(ctx, "max_points", 0, MetricDownsampler.MIN_POINTS, MAX_POINTS_LIMIT);
        if (names.isEmpty() && !ctx.queryParam("names").isEmpty()) {
            // a present but blank filter is a client mistake (a lost variable), not a request for everything
            throw ApiError.badRequest("bad parameter", "names is empty; leave it out for every metric, or name some of: "
                    + String.join(", ", available));
        }
        if (names.isEmpty()) names = available;
        for (String name : names) {
            if (!available.contains(name)) {
                throw new ApiError(404, "unknown metric", "run " + run.id() + " has no metric '" + name
                        + "'; available: " + String.join(", ", available), Map.of("available", available));
            }
        }
        Map<String, double[]> columns = new LinkedHashMap<>();
        for (String name : names) columns.put(name, series.values(name));
        long[] steps = series.steps();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total_points", steps.length);
        if (maxPoints > 0 && steps.length > maxPoints) {
            int[] rows = MetricDownsampler.keep(steps.length, columns, maxPoints);
            steps = MetricDownsampler.select(steps, rows);
            columns.replaceAll((name, values) -> MetricDownsampler.select(values, rows));
            body.put("downsampled", true);
        } else {
            body.put("downsampled", false);
        }
        body.put("steps", steps);
        body.put("series", columns);
        return body;
    }
}
