package org.dynalens.server;

import io.vertx.core.Handler;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.ext.web.RoutingContext;
import org.dynalens.archive.ArchiveException;
import org.dynalens.indexer.QueryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Turns every failure into a JSON error body. Expected problems (bad input, unknown run) map to 4xx with the
 * one-line message; anything else is a 500 whose detail is one line too. Stack traces go to the log, never to
 * the client.
 */
final class ApiFailureHandler implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(ApiFailureHandler.class);

    @Override
    public void handle(RoutingContext ctx) {
        if (ctx.response().headWritten()) {
            ctx.response().reset(); // too late for a clean error: drop the connection rather than send a half body
            return;
        }
        ApiError e = toApiError(ctx);
        if (e.status() >= 500) {
            LOG.error("{} {} failed: {}", ctx.request().method(), ctx.request().uri(), e.detail(), ctx.failure());
        }
        if (e.status() == 401) ctx.response().putHeader("www-authenticate", "Bearer");
        Replies.json(ctx, e.status(), e.body());
    }

    static ApiError toApiError(RoutingContext ctx) {
        Throwable t = ctx.failure();
        if (t instanceof ApiError e) return e;
        if (t instanceof QueryException q) {
            return new ApiError(400, "bad query", q.getMessage(), Map.of("position", q.position()));
        }
        if (t instanceof ArchiveException.NotFound nf) return ApiError.notFound("not found", nf.getMessage());
        if (t instanceof ArchiveException.Unreadable u) return new ApiError(500, "unreadable archive file", u.getMessage());
        if (t instanceof ArchiveException a) return new ApiError(500, "archive error", a.getMessage());
        if (t != null) return new ApiError(500, "internal error", t.getClass().getSimpleName() + ": " + t.getMessage());
        // ctx.fail(status) from Vert.x itself, e.g. 413 from the BodyHandler or 400 for an undecodable URI
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        String reason = HttpResponseStatus.valueOf(status).reasonPhrase();
        return new ApiError(status, reason.toLowerCase(), reason + " (" + ctx.request().method() + " " + ctx.request().path() + ")");
    }
}
