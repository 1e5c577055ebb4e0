package org.dynalens.server;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

/**
 * Adapts a blocking "request in, JSON body out" function to a route handler. Archive and index reads are file I/O
 * and big tensors take a while to encode, so both run on a worker thread; only the write happens on the event loop.
 */
final class OffEventLoop {

    /** Computes a response body from a request; may block and may throw {@link ApiError}. */
    @FunctionalInterface
    interface JsonEndpoint {
        Object respond(RoutingContext ctx) throws Exception;
    }

    private OffEventLoop() {
    }

    static Handler<RoutingContext> json(Vertx vertx, JsonEndpoint endpoint) {
        return ctx -> vertx.executeBlocking(() -> JsonCodec.encode(endpoint.respond(ctx)), false)
                .onSuccess(body -> Replies.send(ctx, 200, body))
                .onFailure(ctx::fail);
    }
}
