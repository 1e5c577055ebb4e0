package org.dynalens.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Run detail, metrics, health and API-wide error handling. */
class RunApiTest {

    @TempDir
    static Path dir;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = TestServer.withoutIndex(dir, TestServer.randomPort());
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void health() {
        Http.Response r = t.http.get("/api/health");
        assertEquals(200, r.status());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        assertEquals("ok", r.json().get("status").asText());
    }

    @Test
    void runDetail() {
        Http.Response r = t.http.get("/api/runs/grok-1");
        assertEquals(200, r.status(), r.body());
        JsonNode run = r.json();
        assertEquals("grok-1", run.get("id").asText());
        assertEquals("mod-add", run.get("task").asText());
        assertEquals(1, run.get("seed").asLong());
        assertEquals("2025-01-02T03:04:05Z", run.get("created").asText());
        assertEquals(113, run.get("config").get("p").asInt());
        assertEquals("adamw", run.get("config").get("optimizer").get("name").asText());
        assertEquals("test", run.get("provenance").get("host").asText());
        assertEquals("finished", run.get("summary").get("status").asText());
        assertEquals("[0,100,200]", run.get("checkpoints").toString());
    }

    @Test
    void unknownRunIs404() {
        assertError(t.http.get("/api/runs/no-such-run"), 404, "unknown run");
        assertError(t.http.get("/api/runs/no-such-run/metrics"), 404, "unknown run");
        assertError(t.http.get("/api/runs/no-such-run/checkpoints"), 404, "unknown run");
    }

    @Test
    void traversalLikeIdsAre404() {
        for (String id : new String[] {"..%2F..%2Fetc", "..", "%2E%2E", "grok-1%2F..%2Fgrok-2", "..%5C..%5Cwindows",
                "%00", "a%20b"}) {
            Http.Response r = t.http.get("/api/runs/" + id);
            assertEquals(404, r.status(), id + ": " + r.body());
            assertTrue(r.contentType().startsWith("application/json"), id + ": " + r.contentType());
            assertFalse(r.body().contains(dir.toString()), "no archive path in " + r.body());
        }
        // dot segments are resolved before routing: this leaves the API and finds no page
        assertEquals(404, t.http.get("/api/runs/../../../etc/passwd").status());
    }

    @Test
    void allMetricsWithNaNAsNull() {
        Http.Response r = t.http.get("/api/runs/grok-1/metrics");
        assertEquals(200, r.status(), r.body());
        JsonNode body = r.json();
        assertEquals(21, body.get("steps").size());
        assertEquals(200, body.get("steps").get(20).asLong());
        JsonNode series = body.get("series");
        assertEquals(3, series.size());
        assertTrue(series.get("test_loss").get(0).isNull(), "NaN must be null: " + series.get("test_loss").get(0));
        assertEquals(5.0 / 11, series.get("test_loss").get(1).asDouble(), 1e-12);
        assertEquals(4.7, series.get("train_loss").get(0).asDouble(), 1e-12);
    }

    @Test
    void selectedMetrics() {
        JsonNode body = t.http.get("/api/runs/grok-1/metrics?names=test_loss,train_acc").json();
        assertEquals(2, body.get("series").size());
        assertTrue(body.get("series").has("test_loss"));
        assertTrue(body.get("series").has("train_acc"));
        assertEquals(21, body.get("series").get("train_acc").size());
    }

    @Test
    void unknownMetricListsAvailableNames() {
        Http.Response r = t.http.get("/api/runs/grok-1/metrics?names=test_loss,nope");
        assertError(r, 404, "unknown metric");
        assertTrue(r.json().get("detail").asText().contains("nope"));
        java.util.List<String> available = new java.util.ArrayList<>();
        r.json().get("available").forEach(n -> available.add(n.asText()));
        assertEquals(java.util.List.of("test_loss", "train_acc", "train_loss"), available.stream().sorted().toList());
    }

    @Test
    void blankMetricNamesAre400() {
        for (String blank : new String[] {"", "%20", ",", "%20,%20"}) {
            Http.Response r = t.http.get("/api/runs/grok-1/metrics?names=" + blank);
            assertError(r, 400, "bad parameter");
            assertTrue(r.json().get("detail").asText().contains("names is empty"), r.json().toString());
        }
    }

    @Test
    void unknownApiRouteIsJson404() {
        assertError(t.http.get("/api/nothing/here"), 404, "unknown endpoint");
        assertError(t.http.get("/api/runs/grok-1/nope"), 404, "unknown endpoint");
    }

    @Test
    void undecodableUrisAreJson400() {
        assertError(t.http.rawGet("/api/runs?q=%ZZ"), 400, "bad request");
        assertError(t.http.rawGet("/api/runs/grok-1/metrics?names=%ZZ"), 400, "bad request");
        assertError(t.http.rawGet("/api/runs/%ZZ"), 400, "bad request");
        assertError(t.http.rawGet("/api/runs/grok-1/checkpoints/100/params/%ZZ"), 400, "bad request");
        assertEquals(400, t.http.rawGet("/%ZZ").status());
    }

    @Test
    void searchWithoutIndexIs503() {
        assertError(t.http.get("/api/runs?q=task:mod-add"), 503, "search unavailable");
    }

    @Test
    void searchParametersAreCheckedBeforeSearching() {
        for (String bad : new String[] {"size=0", "size=501", "size=abc", "page=-1", "page=x", "page=1000&size=500",
                "page=99999999999"}) {
            assertError(t.http.get("/api/runs?" + bad), 400, "bad parameter");
        }
    }

    @Test
    void mutatingRequestsAreRefusedWithoutToken() {
        assertError(t.http.post("/api/runs", "{}", null), 403, "forbidden");
        assertError(t.http.post("/api/runs", "{}", "guess"), 403, "forbidden");
    }

    static void assertError(Http.Response r, int status, String error) {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        JsonNode body = r.json();
        assertEquals(error, body.get("error").asText(), r.body());
        assertTrue(body.hasNonNull("detail"), r.body());
        assertFalse(r.body().contains("\tat "), "no stack trace: " + r.body());
    }
}
