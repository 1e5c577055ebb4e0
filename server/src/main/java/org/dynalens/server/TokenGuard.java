package org.dynalens.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * Lets read-only requests through and demands {@code Authorization: Bearer <token>} for anything that could change
 * state. Without a configured token mutating requests are refused outright, so a server started without one can
 * never be used to launch or delete runs.
 */
final class TokenGuard implements Handler<RoutingContext> {

    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final byte[] token;

    TokenGuard(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (SAFE.contains(ctx.request().method())) {
            ctx.next();
            return;
        }
        if (token == null) {
            ctx.fail(new ApiError(403, "forbidden", "this server is read-only: start it with a token to allow "
                    + ctx.request().method() + " requests"));
            return;
        }
        String header = ctx.request().getHeader("authorization");
        String prefix = "Bearer ";
        boolean ok = header != null && header.regionMatches(true, 0, prefix, 0, prefix.length())
                // constant-time comparison: no timing hints about the token
                && MessageDigest.isEqual(token, header.substring(prefix.length()).trim().getBytes(StandardCharsets.UTF_8));
        if (!ok) {
            ctx.fail(new ApiError(401, "unauthorized", "this request needs the header 'Authorization: Bearer <token>'"));
            return;
        }
        ctx.next();
    }
}
