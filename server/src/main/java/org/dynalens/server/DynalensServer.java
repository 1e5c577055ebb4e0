package org.dynalens.server;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The dynalens web server: a JSON API over an archive and its run index, and the static web UI.
 *
 * <pre>
 * try (DynalensServer server = new DynalensServer(archive, index, ServerOptions.defaults().withPort(0))) {
 *     int port = server.start();
 *     ...
 * }
 * </pre>
 * The server owns its Vert.x instance but not the archive or the index: the caller closes those after
 * {@link #stop()}.
 */
public final class DynalensServer implements AutoCloseable {

    /** Request bodies are small JSON documents (run configs); anything bigger is refused with 413. */
    static final long MAX_BODY_BYTES = 1024 * 1024;
    private static final long START_TIMEOUT_S = 30;
    /** The hand-written OpenAPI 3.0 description of every API endpoint (src/main/resources/openapi.yaml). */
    static final String OPENAPI_PATH = "/openapi.yaml";
    private static final Buffer OPENAPI_DOCUMENT = resource("openapi.yaml");
    private static final long STOP_GRACE_S = 10;

    private final Archive archive;
    private final RunIndex index;
    private final ServerOptions options;
    private Vertx vertx;
    private HttpServer http;
    private RunLaunchRoutes launcher;
    private Router router;

    /**
     * @param index the run index for search; null serves everything except search, which answers 503 (e.g. while
     *              another process holds the index's write lock)
     */
    public DynalensServer(Archive archive, RunIndex index, ServerOptions options) {
        this.archive = Objects.requireNonNull(archive, "archive");
        this.index = index;
        this.options = Objects.requireNonNull(options, "options");
    }

    public DynalensServer(Archive archive, RunIndex index) {
        this(archive, index, ServerOptions.defaults());
    }

    /**
     * Starts listening and blocks until the socket is bound.
     *
     * @return the port actually bound (useful with port 0)
     * @throws IllegalStateException if already started or the address cannot be bound (port in use, bad host)
     */
    public synchronized int start() {
        if (http != null) throw new IllegalStateException("server already started on port " + http.actualPort());
        vertx = Vertx.vertx();
        try {
            // HTTP/1.1 only: browsers never use clear-text HTTP/2 (h2c), and with the JDK client's h2c upgrade a
            // 16 KB response (openapi.yaml) intermittently never completed in tests; clients that ask for an upgrade
            // simply stay on HTTP/1.1
            HttpServerOptions httpOptions = new HttpServerOptions().setCompressionSupported(true)
                    .setHttp2ClearTextEnabled(false);
            http = await(vertx.createHttpServer(httpOptions)
                    .requestHandler(router = router(vertx))
                    .listen(options.port(), options.host())
                    .toCompletionStage().toCompletableFuture(), START_TIMEOUT_S);
            return http.actualPort();
        } catch (RuntimeException e) {
            vertx.close();
            vertx = null;
            throw new IllegalStateException("cannot listen on " + options.host() + ":" + options.port() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The bound port, or -1 when not running. */
    public synchronized int port() {
        return http == null ? -1 : http.actualPort();
    }

    public ServerOptions options() {
        return options;
    }

    /** Stops accepting connections, lets requests in flight finish (a few seconds at most), then releases threads. */
    public synchronized void stop() {
        if (vertx == null) return;
        if (launcher != null) launcher.close();
        try {
            if (http != null) {
                await(http.shutdown(STOP_GRACE_S, TimeUnit.SECONDS).toCompletionStage().toCompletableFuture(),
                        STOP_GRACE_S + 5);
            }
        } catch (RuntimeException ignored) {
            // closing Vert.x below closes the server anyway
        } finally {
            try {
                await(vertx.close().toCompletionStage().toCompletableFuture(), STOP_GRACE_S + 5);
            } catch (RuntimeException ignored) {
                // nothing more to release
            }
            http = null;
            vertx = null;
            router = null;
        }
    }

    /**
     * The API routes of the running server as {@code "METHOD /path/{param}"} (OpenAPI's path syntax), e.g.
     * {@code "GET /api/runs/{id}"}: what {@code openapi.yaml} must document.
     */
    synchronized List<String> apiRoutes() {
        if (router == null) throw new IllegalStateException("server not started");
        List<String> out = new ArrayList<>();
        for (Route r : router.getRoutes()) {
            String path = r.getPath();
            if (path == null || r.methods() == null || r.methods().isEmpty()) continue; // guards, body handler, fallbacks
            if (!path.startsWith("/api/") && !path.equals(OPENAPI_PATH)) continue;
            for (HttpMethod m : r.methods()) out.add(m.name() + " " + path.replaceAll(":([A-Za-z_]+)", "{$1}"));
        }
        return out;
    }

    @Override
    public void close() {
        stop();
    }

    private Router router(Vertx vertx) {
        Router router = Router.router(vertx);
        router.route("/api/*").handler(new TokenGuard(options.token()));
        router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
        router.get("/api/health").handler(ctx -> Replies.json(ctx, 200, Map.of("status", "ok")));
        new RunSearchRoutes(index).mount(vertx, router);
        new RunRoutes(archive).mount(vertx, router);
        new CheckpointRoutes(archive).mount(vertx, router);
        new RunEventRoutes(archive).mount(vertx, router);
        new RunMutationRoutes(archive, index).mount(vertx, router);
        launcher = new RunLaunchRoutes(archive, index);
        launcher.mount(vertx, router);
        new DiffRoutes(archive).mount(vertx, router);
        new MeasureRoutes(archive).mount(vertx, router);
        new AttentionRoutes(archive).mount(vertx, router);
        router.route("/api/*").handler(ctx -> ctx.fail(ApiError.notFound("unknown endpoint",
                ctx.request().method() + " " + ctx.request().path() + " is not part of the API")));
        router.get(OPENAPI_PATH).handler(ctx -> ctx.response().putHeader("content-type", "application/yaml; charset=utf-8")
                .putHeader("cache-control", "no-cache").end(OPENAPI_DOCUMENT));
        StaticUi.mount(router);
        ApiFailureHandler failures = new ApiFailureHandler(archive.root());
        router.route().failureHandler(failures);
        // failures before any route matched (e.g. an undecodable path) skip the failure handler: still answer JSON
        for (int status : new int[] {400, 404, 405, 413, 500}) router.errorHandler(status, ctx -> failures.handleUnrouted(ctx, status));
        return router;
    }

    private static Buffer resource(String name) {
        try (java.io.InputStream in = DynalensServer.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is missing from the classpath");
            return Buffer.buffer(in.readAllBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future, long timeoutSeconds) {
        try {
            return future.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new IllegalStateException(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out after " + timeoutSeconds + " s", e);
        }
    }
}
