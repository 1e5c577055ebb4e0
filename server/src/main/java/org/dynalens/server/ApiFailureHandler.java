package org.dynalens.server;

import io.vertx.core.Handler;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.dynalens.archive.ArchiveException;
import org.dynalens.indexer.QueryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;

/**
 * Turns every failure into a JSON error body. Expected problems (bad input, unknown run) map to 4xx with the
 * one-line message; anything else is a 500 whose detail is one line too. Stack traces go to the log, never to
 * the client.
 */
final class ApiFailureHandler implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(ApiFailureHandler.class);

    private final Path archiveRoot;

    ApiFailureHandler(Path archiveRoot) {
        this.archiveRoot = archiveRoot;
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (ctx.response().headWritten()) {
            ctx.response().reset(); // too late for a clean error: drop the connection rather than send a half body
            return;
        }
        reply(ctx, toApiError(ctx));
    }

    private void reply(RoutingContext ctx, ApiError e) {
        Throwable t = ctx.failure();
        if (e.status() >= 500) {
            if (t == null || t instanceof ApiError || t instanceof ArchiveException) {
                LOG.warn("{} {}: {}", ctx.request().method(), ctx.request().uri(), e.getMessage()); // known condition
            } else {
                LOG.error("{} {} failed", ctx.request().method(), ctx.request().uri(), t); // a bug: keep the trace
            }
        }
        if (e.status() == 401) ctx.response().putHeader("www-authenticate", "Bearer");
        Map<String, Object> body = e.body();
        body.put("detail", relativize(archiveRoot, e.detail()));
        Replies.json(ctx, e.status(), body);
    }

    /**
     * The router's error handler for {@code status} (Vert.x does not set it on the context there): JSON for the API,
     * plain text for pages (a missing page is not an API error).
     */
    void handleUnrouted(RoutingContext ctx, int status) {
        if (ctx.response().ended()) return;
        if (ctx.request().path() != null && ctx.request().path().startsWith("/api/")) {
            reply(ctx, ctx.failure() instanceof ApiError e ? e : statusError(ctx, status));
        } else {
            ctx.response().setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8")
                    .end(HttpResponseStatus.valueOf(status).reasonPhrase());
        }
    }

    /** Archive messages name absolute file paths; clients only need the part inside the archive. */
    static String relativize(Path archiveRoot, String message) {
        if (message == null || archiveRoot == null) return message;
        return message.replace(archiveRoot + File.separator, "").replace(archiveRoot.toString(), "<archive>");
    }

    static ApiError toApiError(RoutingContext ctx) {
        Throwable t = ctx.failure();
        if (t instanceof ApiError e) return e;
        if (t instanceof HttpException h) return statusError(ctx, h.getStatusCode()); // e.g. undecodable query
        if (t instanceof QueryException q) {
            return new ApiError(400, "bad query", q.getMessage(), Map.of("position", q.position()));
        }
        if (t instanceof ArchiveException.NotFound nf) return ApiError.notFound("not found", nf.getMessage());
        if (t instanceof ArchiveException.Unreadable u) return new ApiError(500, "unreadable archive file", u.getMessage());
        if (t instanceof ArchiveException a) return new ApiError(500, "archive error", a.getMessage());
        if (t != null) return new ApiError(500, "internal error", t.getClass().getSimpleName() + ": " + t.getMessage());
        // ctx.fail(status) from Vert.x itself, e.g. 413 from the BodyHandler or 400 for an undecodable URI
        return statusError(ctx, ctx.statusCode() > 0 ? ctx.statusCode() : 500);
    }

    private static ApiError statusError(RoutingContext ctx, int status) {
        String reason = HttpResponseStatus.valueOf(status).reasonPhrase();
        return new ApiError(status, reason.toLowerCase(), reason + " (" + ctx.request().method() + " " + ctx.request().path() + ")");
    }
}
