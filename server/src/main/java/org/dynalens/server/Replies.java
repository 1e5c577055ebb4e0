package org.dynalens.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/** Writes JSON responses. */
final class Replies {

    static final String JSON_TYPE = "application/json; charset=utf-8";

    private Replies() {
    }

    static void json(RoutingContext ctx, int status, Object body) {
        send(ctx, status, JsonCodec.encode(body));
    }

    /** Sends an already encoded body (encoded on a worker thread, so big tensors do not stall the event loop). */
    static void send(RoutingContext ctx, int status, Buffer encoded) {
        if (ctx.response().ended()) return; // the client went away or another handler answered
        ctx.response()
                .setStatusCode(status)
                .putHeader("content-type", JSON_TYPE)
                .putHeader("cache-control", "no-store") // runs change while they train
                .end(encoded);
    }
}
