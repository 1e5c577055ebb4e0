package org.dynalens.server;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.Archive;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.analysis.PhaseDetector;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The progress measures of a run for the run page's measure charts:
 * <ul>
 *   <li>{@code GET /api/runs/{id}/measures}: {@code {"steps", "series": {name: values}, "phases": {...}}}, the dense
 *       series of measures.h5 (one row per analysed checkpoint; NaN as null) and the phase boundaries stored on the
 *       run summary ({@code grok_step}, {@code phase_memorisation_end}, {@code phase_circuit_formation_end},
 *       {@code phase_cleanup_end}; absent ones left out);</li>
 *   <li>{@code GET /api/runs/{id}/checkpoints/{step}/spectrum}: {@code {"step", "freq_norms_W_E", "key_freqs"}}, the
 *       Fourier spectrum of W_E of one analysed checkpoint (norm per frequency k = 1, 2, ...), 404 when the checkpoint
 *       has no {@code analysis/freq_norms_W_E}.</li>
 * </ul>
 */
final class MeasureRoutes {

    private final Archive archive;

    MeasureRoutes(Archive archive) {
        this.archive = archive;
    }

    void mount(Vertx vertx, Router router) {
        router.get("/api/runs/:id/measures").handler(OffEventLoop.json(vertx, this::measures));
        router.get("/api/runs/:id/checkpoints/:step/spectrum").handler(OffEventLoop.json(vertx, this::spectrum));
    }

    private Object measures(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        MetricSeries series = run.readMeasures();
        Map<String, double[]> columns = new LinkedHashMap<>();
        for (String name : series.names()) columns.put(name, series.values(name));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("steps", series.steps());
        body.put("series", columns);
        body.put("phases", PhaseDetector.Phases.fromSummary(run.info().summary()).toSummary());
        return body;
    }

    private Object spectrum(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        long step = RequestParams.step(ctx);
        if (!run.checkpointSteps().contains(step)) {
            throw ApiError.notFound("unknown checkpoint", "run " + run.id() + " has no checkpoint at step " + step);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("step", step);
        try {
            body.put("freq_norms_W_E", run.readTensor(step, "analysis/freq_norms_W_E").doubles());
        } catch (ArchiveException.NotFound e) {
            throw ApiError.notFound("no spectrum", "checkpoint " + step + " of run " + run.id()
                    + " has no analysis/freq_norms_W_E (not analysed, or not a modular-arithmetic task)");
        }
        try {
            body.put("key_freqs", run.readTensor(step, "analysis/key_freqs").ints());
        } catch (ArchiveException.NotFound e) {
            body.put("key_freqs", new int[0]);
        }
        return body;
    }
}
