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
    void checkpointConditionsLiftedToRuns() {
        JsonNode body = t.http.get("/api/runs?q=" + enc("task:mod-add AND has_checkpoint:(step:100 AND test_loss:[0 TO 0.05])")).json();
        assertEquals(List.of("grok-1"), ids(body), body.toString());
        // grok-2's only checkpoint is step 0; both runs have one
        assertEquals(List.of("grok-2"), ids(t.http.get("/api/runs?q=" + enc("NOT has_checkpoint:(step:[100 TO *])")).json()));
        assertEquals(2, t.http.get("/api/runs?q=" + enc("has_checkpoint:(step:0)")).json().get("total").asLong());
    }

    @Test
    void facetsNamedByTheCallerAreCounted() {
        JsonNode facets = t.http.get("/api/runs?facets=task,seed&sort=seed").json().get("facets");
        assertEquals(List.of("task", "seed"), fieldNames(facets));
        assertEquals(2, facets.get("task").get("mod-add").asLong(), facets.toString());
        assertEquals(1, facets.get("seed").get("1").asLong(), facets.toString());
        assertEquals(1, facets.get("seed").get("2").asLong(), facets.toString());

        JsonNode repeated = t.http.get("/api/runs?facets=task&facets=seed&q=" + enc("seed:1")).json().get("facets");
        assertEquals(List.of("task", "seed"), fieldNames(repeated));
        assertEquals(List.of("1"), fieldNames(repeated.get("seed")));

        assertEquals(List.of("task", "status", "tag"), fieldNames(t.http.get("/api/runs").json().get("facets")),
                "without the parameter: the default facets");
        assertEquals(List.of(), fieldNames(t.http.get("/api/runs?facets=").json().get("facets")), "empty: none");
    }

    @Test
    void aFieldThatCannotBeAFacetIs400() {
        Http.Response r = t.http.get("/api/runs?facets=task,no_such_field");
        assertError(r, 400, "bad query");
        assertTrue(r.json().get("detail").asText().contains("no_such_field"), r.body());
    }

    @Test
    void malformedCheckpointGroupIs400WithPosition() {
        Http.Response r = t.http.get("/api/runs?q=" + enc("task:mod-add AND has_checkpoint:(step:[0 TO 10]"));
        assertError(r, 400, "bad query");
        assertEquals(32, r.json().get("position").asInt(), r.body());
        Http.Response bare = t.http.get("/api/runs?q=" + enc("has_checkpoint:(grokking)"));
        assertError(bare, 400, "bad query");
        assertEquals(16, bare.json().get("position").asInt(), bare.body());
        for (String odd : List.of("has_checkpoint:", "has_checkpoint:(", "has_checkpoint:()", "has_checkpoint:((step:1)",
                "has_checkpoint:(step:1 AND has_checkpoint:(step:2))", "has_checkpoint:(step:[a TO b])")) {
            assertEquals(400, t.http.get("/api/runs?q=" + enc(odd)).status(), odd);
        }
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

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
