package org.dynalens.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.RunArchive;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /api/runs/{id}/events}: server-sent events ({@code text/event-stream}), one {@code checkpoint} event
 * per new checkpoint of the run with its step and metrics. The archive's checkpoint list is polled every
 * {@link #POLL_MS} ms on a worker thread, so runs trained by other processes stream as well as runs trained in this
 * JVM. The stream starts after the latest checkpoint at connect time, or after {@code ?after=STEP} /
 * the {@code Last-Event-ID} header (each event's id is its step, so a reconnecting EventSource misses nothing).
 * Events: {@code hello} once ({@code {"run", "last_step"}}), {@code checkpoint} ({@code {"step", "metrics",
 * "status"}}), {@code gone} when the run is deleted (the stream then ends); a comment line every
 * {@link #HEARTBEAT_MS} ms notices clients that went away.
 */
final class RunEventRoutes {

    static final long POLL_MS = 500;
    static final long HEARTBEAT_MS = 15_000;
    /** Open streams per server; each costs a timer and a file listing per poll. */
    static final int MAX_STREAMS = 256;
    /** Checkpoints sent per poll at most (a client asking for ?after=0 of a long run catches up over a few polls). */
    static final int MAX_EVENTS_PER_POLL = 200;

    private final Archive archive;
    private final AtomicInteger openStreams = new AtomicInteger();

    RunEventRoutes(Archive archive) {
        this.archive = archive;
    }

    void mount(Vertx vertx, Router router) {
        router.get("/api/runs/:id/events").handler(ctx -> open(vertx, ctx));
    }

    int openStreams() {
        return openStreams.get();
    }

    private void open(Vertx vertx, RoutingContext ctx) {
        long after;
        try {
            after = resumeAfter(ctx);
        } catch (ApiError e) {
            ctx.fail(e);
            return;
        }
        vertx.executeBlocking(() -> {
                    RunArchive run = RequestParams.run(archive, ctx);
                    return new Object[] {run, run.lastCheckpointStep().orElse(-1)};
                }, false)
                .onFailure(ctx::fail)
                .onSuccess(found -> {
                    if (openStreams.incrementAndGet() > MAX_STREAMS) {
                        openStreams.decrementAndGet();
                        ctx.fail(new ApiError(503, "too many streams", "this server already streams " + MAX_STREAMS
                                + " event streams; close some pages and retry"));
                        return;
                    }
                    RunArchive run = (RunArchive) found[0];
                    long latest = (long) found[1];
                    new Stream(vertx, ctx.response(), run, after == Long.MIN_VALUE ? latest : after).start(latest);
                });
    }

    /** ?after=STEP, else Last-Event-ID, else Long.MIN_VALUE (start at the latest checkpoint). */
    private static long resumeAfter(RoutingContext ctx) {
        String raw = RequestParams.first(ctx, "after");
        String source = "after";
        if (raw == null || raw.isBlank()) {
            raw = ctx.request().getHeader("last-event-id");
            source = "Last-Event-ID";
        }
        if (raw == null || raw.isBlank()) return Long.MIN_VALUE;
        try {
            long v = Long.parseLong(raw.trim());
            if (v >= -1) return v;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiError.badRequest("bad parameter", source + " must be a step (an integer >= -1), got '"
                + (raw.length() > 40 ? raw.substring(0, 40) + "..." : raw) + "'");
    }

    /** One client's stream; every method runs on the request's event loop except the archive reads. */
    private final class Stream {
        private final Vertx vertx;
        private final HttpServerResponse response;
        private final RunArchive run;
        private long lastSent;
        private long timer = -1;
        private long quietMs;
        private boolean polling;
        private boolean closed;

        Stream(Vertx vertx, HttpServerResponse response, RunArchive run, long lastSent) {
            this.vertx = vertx;
            this.response = response;
            this.run = run;
            this.lastSent = lastSent;
        }

        void start(long latest) {
            if (response.closed()) { // the client left while the run was being looked up
                closed = true;
                openStreams.decrementAndGet();
                return;
            }
            response.setStatusCode(200)
                    .setChunked(true)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                    // compression would hold events back in the deflater: this response is never compressed
                    .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
            response.closeHandler(v -> close());
            response.exceptionHandler(e -> close());
            Map<String, Object> hello = new LinkedHashMap<>();
            hello.put("run", run.id());
            hello.put("last_step", latest < 0 ? null : latest);
            send("hello", null, hello);
            timer = vertx.setPeriodic(POLL_MS, t -> poll());
            if (lastSent < latest) poll();
        }

        private void poll() {
            if (closed) return;
            quietMs += POLL_MS;
            if (quietMs >= HEARTBEAT_MS) {
                quietMs = 0;
                if (!response.writeQueueFull()) response.write(": ping\n\n");
            }
            if (polling) return; // the previous listing is still running (slow disk): skip a beat
            polling = true;
            long from = lastSent;
            vertx.executeBlocking(() -> newCheckpoints(from), false)
                    .onComplete(r -> {
                        polling = false;
                        if (closed) return;
                        if (r.failed()) return; // transient (a file being replaced): the next poll retries
                        if (r.result() == null) {
                            send("gone", null, Map.of("run", run.id(), "detail", "the run was deleted"));
                            response.end();
                            close();
                            return;
                        }
                        for (Map<String, Object> event : r.result()) {
                            long step = (long) event.get("step");
                            send("checkpoint", step, event);
                            lastSent = step;
                            quietMs = 0;
                        }
                    });
        }

        /** Checkpoints after {@code from}, oldest first; null when the run no longer exists. */
        private List<Map<String, Object>> newCheckpoints(long from) {
            if (!archive.hasRun(run.id())) return null;
            List<Map<String, Object>> events = new ArrayList<>();
            Object status = null;
            for (long step : run.checkpointSteps()) {
                if (step <= from) continue;
                if (events.size() >= MAX_EVENTS_PER_POLL) break;
                Map<String, Object> event = new LinkedHashMap<>();
                event.put("step", step);
                try {
                    event.put("metrics", run.readCheckpointMetrics(step));
                } catch (ArchiveException e) {
                    event.put("metrics", Map.of());
                    event.put("error", ApiFailureHandler.relativize(archive.root(), e.getMessage()));
                }
                events.add(event);
            }
            if (!events.isEmpty()) {
                try {
                    status = run.info().summary().get("status");
                } catch (ArchiveException e) {
                    status = null; // run.h5 being rewritten: the next event carries it
                }
                for (Map<String, Object> e : events) e.put("status", status);
            }
            return events;
        }

        private void send(String event, Long id, Object data) {
            if (closed || response.closed()) return;
            StringBuilder sb = new StringBuilder();
            sb.append("event: ").append(event).append('\n');
            if (id != null) sb.append("id: ").append(id).append('\n');
            sb.append("data: ").append(JsonCodec.encode(data).toString()).append("\n\n");
            response.write(sb.toString());
        }

        private void close() {
            if (closed) return;
            closed = true;
            if (timer >= 0) vertx.cancelTimer(timer);
            openStreams.decrementAndGet();
        }
    }
}
