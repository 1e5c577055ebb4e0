package org.dynalens.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.dynalens.server.RunApiTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /api/runs} over a real run index (grok-1 and grok-2 indexed, broken-1 not). */
class SearchApiTest {

    @TempDir
    static Path dir;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = TestServer.withIndex(dir);
    }

    @AfterAll
    static void stop() {
        if (t != null) t.close();
    }

    @Test
    void emptyQueryMatchesEveryIndexedRun() {
        Http.Response r = t.http.get("/api/runs");
        assertEquals(200, r.status(), r.body());
        JsonNode body = r.json();
        assertEquals(2, body.get("total").asLong());
        assertEquals(0, body.get("page").asInt());
        assertEquals(RunSearchRoutes.DEFAULT_PAGE_SIZE, body.get("size").asInt());
        assertEquals(List.of("grok-1", "grok-2"), ids(body).stream().sorted().toList());
        assertTrue(body.get("facets").isObject(), r.body());
        JsonNode first = body.get("runs").get(0);
        assertEquals("mod-add", first.get("task").asText(), "hits carry their stored fields: " + first);
    }

    @Test
    void fieldAndRangeQuery() {
        JsonNode body = t.http.get("/api/runs?q=" + enc("task:mod-add AND test_loss:[0 TO 0.06]")).json();
        assertEquals(List.of("grok-1"), ids(body), body.toString());
        assertEquals(0, t.http.get("/api/runs?q=" + enc("task:other")).json().get("total").asLong());
    }

    @Test
    void sortAndPages() {
        assertEquals(List.of("grok-1", "grok-2"), ids(t.http.get("/api/runs?sort=seed").json()));
        assertEquals(List.of("grok-2", "grok-1"), ids(t.http.get("/api/runs?sort=-seed").json()));
        JsonNode page1 = t.http.get("/api/runs?sort=seed&size=1&page=1").json();
        assertEquals(2, page1.get("total").asLong());
        assertEquals(List.of("grok-2"), ids(page1));
    }

    @Test
    void malformedQueryIs400WithPosition() {
        Http.Response r = t.http.get("/api/runs?q=" + enc("task:(mod-add"));
        assertError(r, 400, "bad query");
        assertTrue(r.json().get("position").isInt(), r.body());
    }

    @Test
    void unknownSortFieldIs400() {
        assertError(t.http.get("/api/runs?sort=no_such_field"), 400, "bad query");
    }

    private static List<String> ids(JsonNode body) {
        List<String> ids = new ArrayList<>();
        body.get("runs").forEach(r -> ids.add(r.get("id").asText()));
        return ids;
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
