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

/** {@code GET /api/runs/{id}/metrics?max_points=}. */
class MetricsDownsamplingApiTest {

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
    void thinsToMaxPointsKeepingFirstLastAndExtremes() {
        JsonNode all = t.http.get("/api/runs/grok-1/metrics").json();
        assertEquals(21, all.get("total_points").asInt());
        assertFalse(all.get("downsampled").asBoolean());

        Http.Response r = t.http.get("/api/runs/grok-1/metrics?names=train_loss&max_points=6");
        assertEquals(200, r.status(), r.body());
        JsonNode body = r.json();
        assertTrue(body.get("downsampled").asBoolean());
        assertEquals(21, body.get("total_points").asInt());
        JsonNode steps = body.get("steps");
        assertTrue(steps.size() <= 6 && steps.size() >= 3, steps.toString());
        assertEquals(0, steps.get(0).asLong());
        assertEquals(200, steps.get(steps.size() - 1).asLong());
        assertEquals(steps.size(), body.get("series").get("train_loss").size());
        assertEquals(4.7, body.get("series").get("train_loss").get(0).asDouble(), 1e-12); // the maximum, first row

        assertEquals(21, t.http.get("/api/runs/grok-1/metrics?max_points=1000").json().get("steps").size());
    }

    @Test
    void badMaxPointsIs400() {
        for (String bad : new String[] {"0", "3", "-1", "x", "1e3", "100001", "99999999999"}) {
            Http.Response r = t.http.get("/api/runs/grok-1/metrics?max_points=" + bad);
            assertEquals(400, r.status(), bad + ": " + r.body());
            assertEquals("bad parameter", r.json().get("error").asText());
        }
    }
}
