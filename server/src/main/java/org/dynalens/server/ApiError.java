package org.dynalens.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error the API reports to the client as {@code {"error": ..., "detail": ...}} with an HTTP status. Thrown from
 * handlers (also on worker threads) and rendered by {@link ApiFailureHandler}; {@code extra} adds fields such as the
 * position of a query syntax error or the available metric names.
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String error;
    private final String detail;
    private final Map<String, Object> extra;

    public ApiError(int status, String error, String detail, Map<String, Object> extra) {
        super(error + ": " + detail, null, false, false); // no stack trace: this is an expected outcome
        this.status = status;
        this.error = error;
        this.detail = detail;
        this.extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    public ApiError(int status, String error, String detail) {
        this(status, error, detail, null);
    }

    public static ApiError badRequest(String error, String detail) {
        return new ApiError(400, error, detail);
    }

    public static ApiError notFound(String error, String detail) {
        return new ApiError(404, error, detail);
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String detail() {
        return detail;
    }

    /** The JSON body: error, detail, then any extra fields. */
    public Map<String, Object> body() {
        return body(error, detail, extra);
    }

    static Map<String, Object> body(String error, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("detail", detail);
        body.putAll(extra);
        return body;
    }
}
