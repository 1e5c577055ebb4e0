package org.dynalens.server;

import io.vertx.ext.web.RoutingContext;
import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunId;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Parsing and validation of path and query parameters, with 4xx errors that say what was wrong. */
final class RequestParams {

    private RequestParams() {
    }

    /** The run named by the {@code id} path parameter; 404 for a malformed or unknown id (never a path outside). */
    static RunArchive run(Archive archive, RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!RunId.isValid(id)) {
            throw ApiError.notFound("unknown run", "'" + id + "' is not a valid run id");
        }
        if (!archive.hasRun(id)) throw ApiError.notFound("unknown run", "no run '" + id + "'");
        return archive.run(id);
    }

    /** The {@code step} path parameter: a non-negative integer (whether that checkpoint exists is checked later). */
    static long step(RoutingContext ctx) {
        String raw = ctx.pathParam("step");
        long step;
        try {
            step = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("bad step", "step must be a non-negative integer, got '" + raw + "'");
        }
        if (step < 0) throw ApiError.badRequest("bad step", "step must be a non-negative integer, got " + step);
        return step;
    }

    /** An optional integer query parameter within [min, max]. */
    static int intParam(RoutingContext ctx, String name, int defaultValue, int min, int max) {
        String raw = first(ctx, name);
        if (raw == null || raw.isBlank()) return defaultValue;
        int value;
        try {
            value = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("bad parameter", name + " must be an integer, got '" + raw + "'");
        }
        if (value < min || value > max) {
            throw ApiError.badRequest("bad parameter", name + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** An optional boolean query parameter: true/false (absent is false); 400 for anything else. */
    static boolean booleanParam(RoutingContext ctx, String name) {
        String raw = first(ctx, name);
        if (raw == null || raw.isBlank() || raw.trim().equalsIgnoreCase("false")) return false;
        if (raw.trim().equalsIgnoreCase("true")) return true;
        throw ApiError.badRequest("bad parameter", name + " must be true or false, got '"
                + (raw.length() > 40 ? raw.substring(0, 40) + "..." : raw) + "'");
    }

    /** The first value of a query parameter, or null. */
    static String first(RoutingContext ctx, String name) {
        List<String> values = ctx.queryParam(name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** A comma-separated list parameter, also accepted as repeated parameters ({@code names=a,b&names=c}). */
    static List<String> list(RoutingContext ctx, String name) {
        Set<String> out = new LinkedHashSet<>();
        for (String v : ctx.queryParam(name)) {
            for (String part : v.split(",")) {
                if (!part.isBlank()) out.add(part.trim());
            }
        }
        return new ArrayList<>(out);
    }
}
