package org.dynalens.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.dynalens.server.RunApiTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoint listing, parameter listing and parameter values with slices. */
class CheckpointApiTest {

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
    void checkpointsWithMetrics() {
        Http.Response r = t.http.get("/api/runs/grok-1/checkpoints");
        assertEquals(200, r.status(), r.body());
        JsonNode rows = r.json();
        assertEquals(3, rows.size());
        assertEquals(100, rows.get(1).get("step").asLong());
        assertEquals(1.0 / 101, rows.get(1).get("metrics").get("train_loss").asDouble(), 1e-12);
        assertEquals(2.0 / 101, rows.get(1).get("metrics").get("test_loss").asDouble(), 1e-12);
    }

    @Test
    void corruptCheckpointIsReportedInItsRow() {
        Http.Response r = t.http.get("/api/runs/broken-1/checkpoints");
        assertEquals(200, r.status(), r.body());
        JsonNode rows = r.json();
        assertEquals(2, rows.size());
        assertTrue(rows.get(0).has("metrics"));
        assertEquals(200, rows.get(1).get("step").asLong());
        assertFalse(rows.get(1).has("metrics"));
        assertTrue(rows.get(1).get("error").asText().startsWith("runs/broken-1/ckpt/step-00000200.h5 "),
                "error names the file inside the archive, not the server's absolute path: " + rows.get(1));
    }

    @Test
    void corruptCheckpointParamsIsAJsonError() {
        Http.Response r = t.http.get("/api/runs/broken-1/checkpoints/200/params");
        assertEquals(500, r.status(), r.body());
        assertEquals("unreadable archive file", r.json().get("error").asText());
        assertFalse(r.body().contains(dir.toString()), r.body());
    }

    @Test
    void paramList() {
        Http.Response r = t.http.get("/api/runs/grok-1/checkpoints/100/params");
        assertEquals(200, r.status(), r.body());
        JsonNode list = r.json();
        assertEquals(3, list.size(), "only params/, not optim/: " + list);
        JsonNode we = find(list, "embed.W_E");
        assertEquals("params/embed.W_E", we.get("path").asText());
        assertEquals("[4,3]", we.get("shape").toString());
        assertEquals("float32", we.get("dtype").asText());
        assertEquals("[2,3,2]", find(list, "blocks.0.attn.W_Q").get("shape").toString());
        assertEquals("float64", find(list, "unembed.b_U").get("dtype").asText());
    }

    @Test
    void wholeParam() {
        Http.Response r = t.http.get("/api/runs/grok-1/checkpoints/100/params/embed.W_E");
        assertEquals(200, r.status(), r.body());
        JsonNode body = r.json();
        assertEquals("embed.W_E", body.get("name").asText());
        assertEquals("[4,3]", body.get("shape").toString());
        assertEquals("float32", body.get("dtype").asText());
        assertEquals(12, body.get("data").size());
        assertEquals(100 + 10 * 3 + 2, body.get("data").get(11).asDouble());
    }

    @Test
    void nanInParamIsNull() {
        JsonNode body = t.http.get("/api/runs/grok-1/checkpoints/0/params/unembed.b_U").json();
        assertEquals("[null,1.5,2.5]", body.get("data").toString());
    }

    @Test
    void slicedParam() {
        JsonNode body = t.http.get("/api/runs/grok-1/checkpoints/200/params/embed.W_E?slice=1:3,2").json();
        assertEquals("[2,1]", body.get("shape").toString());
        assertEquals("[1,2]", body.get("offset").toString());
        assertEquals("[4,3]", body.get("full_shape").toString());
        assertEquals("[212.0,222.0]", body.get("data").toString());

        body = t.http.get("/api/runs/grok-1/checkpoints/200/params/embed.W_E?slice=-1,:").json();
        assertEquals("[1,3]", body.get("shape").toString());
        assertEquals("[230.0,231.0,232.0]", body.get("data").toString());

        body = t.http.get("/api/runs/grok-1/checkpoints/200/params/embed.W_E?slice=:,1:99").json();
        assertEquals("[4,2]", body.get("shape").toString(), "stop clamped as in python");
    }

    @Test
    void badSlicesAre400() {
        String base = "/api/runs/grok-1/checkpoints/100/params/embed.W_E?slice=";
        for (String bad : new String[] {"a:b", "0:1,0:1,0:1", "3:1", "0:0", "7", "-5", "0:2:1", ",", "1.5",
                "99999999999999999999:"}) {
            assertError(t.http.get(base + bad), 400, "bad slice");
        }
    }

    @Test
    void tooLargeParamIs413UntilSliced() {
        Http.Response r = t.http.get("/api/runs/grok-1/checkpoints/200/params/big.W");
        assertError(r, 413, "response too large");
        assertTrue(r.json().get("detail").asText().contains("slice"), r.body());

        Http.Response sliced = t.http.get("/api/runs/grok-1/checkpoints/200/params/big.W?slice=0:2,998:");
        assertEquals(200, sliced.status(), sliced.body());
        assertEquals("[2,2]", sliced.json().get("shape").toString());
        assertEquals(4, sliced.json().get("data").size());
    }

    @Test
    void badSteps() {
        assertError(t.http.get("/api/runs/grok-1/checkpoints/abc/params"), 400, "bad step");
        assertError(t.http.get("/api/runs/grok-1/checkpoints/-1/params"), 400, "bad step");
        assertError(t.http.get("/api/runs/grok-1/checkpoints/1e3/params/embed.W_E"), 400, "bad step");
        assertError(t.http.get("/api/runs/grok-1/checkpoints/99999999999999999999/params"), 400, "bad step");
        assertError(t.http.get("/api/runs/grok-1/checkpoints/150/params"), 404, "not found");
        assertError(t.http.get("/api/runs/grok-1/checkpoints/150/params/embed.W_E"), 404, "not found");
    }

    @Test
    void unknownParamsAre404() {
        assertError(t.http.get("/api/runs/grok-1/checkpoints/100/params/nope.W"), 404, "unknown parameter");
        // optimiser state is not a parameter, and names cannot climb out of params/
        assertError(t.http.get("/api/runs/grok-1/checkpoints/100/params/..%2Foptim%2Fm%2Fembed.W_E"), 404,
                "unknown parameter");
        assertError(t.http.get("/api/runs/no-run/checkpoints/100/params/embed.W_E"), 404, "unknown run");
        assertError(t.http.get("/api/runs/..%2F..%2Fetc/checkpoints/100/params"), 404, "unknown run");
    }

    private static JsonNode find(JsonNode list, String name) {
        for (JsonNode n : list) if (n.get("name").asText().equals(name)) return n;
        throw new AssertionError("no " + name + " in " + list);
    }
}
