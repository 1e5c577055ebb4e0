package org.dynalens.server;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.dynalens.indexer.RunHit;
import org.dynalens.indexer.RunIndex;
import org.dynalens.indexer.SearchResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/runs?q=&sort=&facets=&page=&size=}: search over the run index. {@code facets} names the fields
 * whose values are counted over all matching runs ({@code facets=task,seed,tag,key_freqs}); without it the default
 * facets (task, status, tag) are counted, with an empty value none.
 */
final class RunSearchRoutes {

    static final int DEFAULT_PAGE_SIZE = 50;
    static final int MAX_PAGE_SIZE = 500;
    /** Deep pages cost Lucene offset+size entries of memory; beyond this, narrow the query instead. */
    static final int MAX_RESULT_WINDOW = 100_000;

    private final RunIndex index;

    /** @param index null when no index is open: search then answers 503 while run pages keep working */
    RunSearchRoutes(RunIndex index) {
        this.index = index;
    }

    void mount(Vertx vertx, Router router) {
        router.get("/api/runs").handler(OffEventLoop.json(vertx, this::search));
    }

    private Object search(RoutingContext ctx) {
        String q = RequestParams.first(ctx, "q");
        String sort = RequestParams.first(ctx, "sort");
        int size = RequestParams.intParam(ctx, "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        int page = RequestParams.intParam(ctx, "page", 0, 0, Integer.MAX_VALUE);
        if ((long) page * size + size > MAX_RESULT_WINDOW) {
            throw ApiError.badRequest("bad parameter", "page " + page + " of size " + size + " reaches past the first "
                    + MAX_RESULT_WINDOW + " hits; narrow the query instead");
        }
        if (index == null) {
            throw new ApiError(503, "search unavailable", "this server has no run index open; run pages still work");
        }
        // absent: the default facets; present but empty: none
        List<String> facets = ctx.queryParam("facets").isEmpty() ? null : RequestParams.list(ctx, "facets");
        SearchResult result = index.search(q == null ? "" : q, sort == null || sort.isBlank() ? null : sort.trim(),
                page * size, size, facets);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", result.total());
        body.put("page", page);
        body.put("size", size);
        body.put("runs", runs(result.hits()));
        body.put("facets", result.facets() == null ? Map.of() : result.facets());
        return body;
    }

    private static List<Map<String, Object>> runs(List<RunHit> hits) {
        List<Map<String, Object>> runs = new ArrayList<>(hits.size());
        for (RunHit hit : hits) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("id", hit.id()); // first, and not overridable by a stored field
            hit.fields().forEach(run::putIfAbsent);
            runs.add(run);
        }
        return runs;
    }
}
