package org.dynalens.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** GET /api/launch/fields and POST /api/runs: the form from the trainer's @Config fields, and a real launched run. */
class LaunchApiTest {

    static final String TOKEN = "launch-token-0123456789";

    @TempDir
    static Path dir;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = TestServer.withIndex(dir, TestServer.randomPort().withToken(TOKEN));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static Http.Response launch(String body, String token) {
        return t.http.request("POST", "/api/runs", body, "application/json", token);
    }

    @Test
    void fieldsComeFromTheTrainersConfigFields() {
        JsonNode fields = t.http.get("/api/launch/fields").json().get("fields");
        JsonNode lr = null;
        for (JsonNode f : fields) {
            assertNotEquals("archive", f.get("name").asText(), "the server chooses the archive");
            if (f.get("name").asText().equals("lr")) lr = f;
        }
        assertNotNull(lr);
        assertEquals(0.001, lr.get("default").asDouble());
        assertFalse(lr.get("description").asText().isBlank());
        assertTrue(fields.toString().contains("\"trainFraction\""), "the data source's training fraction is a field");
    }

    @Test
    void badLaunchesAreRefusedWithTheFieldNamed() {
        assertEquals(401, launch("{\"steps\": 5}", null).status());
        assertEquals(401, launch("{\"steps\": 5}", "wrong-token").status());
        Http.Response negative = launch("{\"lr\": -0.001}", TOKEN);
        assertEquals(400, negative.status(), negative.body());
        assertTrue(negative.json().get("detail").asText().contains("lr must be a positive number"), negative.body());
        Http.Response notPrime = launch("{\"p\": 100}", TOKEN);
        assertEquals(400, notPrime.status());
        assertTrue(notPrime.json().get("detail").asText().contains("p must be a prime"), notPrime.body());
        Http.Response unknown = launch("{\"learningRate\": 1}", TOKEN);
        assertEquals(400, unknown.status());
        assertTrue(unknown.json().get("detail").asText().contains("learningRate"), unknown.body());
        assertEquals(400, launch("{not json", TOKEN).status());
        assertEquals(415, t.http.request("POST", "/api/runs", "steps=5", "text/plain", TOKEN).status());
    }

    @Test
    void aLaunchedRunTrainsIsArchivedAndIsSearchable() throws Exception {
        Http.Response r = launch("{\"task\": \"mod-add\", \"p\": 23, \"trainFraction\": 0.5, \"seed\": 4, \"steps\": 20, "
                + "\"checkpointEvery\": 10, \"evalEvery\": 5}", TOKEN);
        assertEquals(202, r.status(), r.body());
        String id = r.json().get("id").asText();
        assertTrue(r.json().get("url").asText().endsWith(id));
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (t.archive.hasRun(id) && "finished".equals(t.archive.run(id).info().summary().get("status"))) break;
            Thread.sleep(200);
        }
        assertEquals("finished", t.archive.run(id).info().summary().get("status"));
        assertEquals(java.util.List.of(0L, 10L, 20L), t.archive.run(id).checkpointSteps());
        assertEquals(0.001, ((Number) t.archive.run(id).info().config().get("lr")).doubleValue());
        // the run file says "finished" a moment before the last index update lands: wait for it, briefly
        String query = "/api/runs?q=" + java.net.URLEncoder.encode("p:23 AND seed:4 AND status:finished",
                java.nio.charset.StandardCharsets.UTF_8);
        JsonNode hits = t.http.get(query).json();
        for (int i = 0; i < 100 && hits.get("total").asInt() == 0; i++) {
            Thread.sleep(100);
            hits = t.http.get(query).json();
        }
        assertEquals(1, hits.get("total").asInt(), hits.toString());
        assertEquals(id, hits.get("runs").get(0).get("id").asText());
    }
}
