package org.dynalens.server;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunIndex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DELETE /api/runs/{id}, POST .../tags, PUT .../note: token, body checks, archive and index effects. */
class MutationApiTest {

    static final String TOKEN = "test-token-0123456789";
    static final String JSON = "application/json";

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

    private static Http.Response call(String method, String path, String body) {
        return t.http.request(method, path, body, body == null ? null : JSON, TOKEN);
    }

    @Test
    void tagsAreStoredInTheSummaryAndSearchable() {
        Http.Response r = call("POST", "/api/runs/grok-1/tags", "{\"add\": [\"grokked\", \"baseline\"]}");
        assertEquals(200, r.status(), r.body());
        assertEquals("[\"grokked\",\"baseline\"]", r.json().get("tags").toString());
        r = call("POST", "/api/runs/grok-1/tags", "{\"remove\": [\"baseline\"], \"add\": [\"p113\"]}");
        assertEquals("[\"grokked\",\"p113\"]", r.json().get("tags").toString());
        assertEquals("[\"grokked\",\"p113\"]", t.archive.run("grok-1").info().summary().get("tags").toString()
                .replace(" ", "").replace("[", "[\"").replace(",", "\",\"").replace("]", "\"]"));
        assertEquals(1, t.http.get("/api/runs?q=tag:grokked").json().get("total").asInt());
        assertEquals(0, t.http.get("/api/runs?q=tag:baseline").json().get("total").asInt());
    }

    @Test
    void noteIsStoredAndSearchableAndClearable() {
        Http.Response r = call("PUT", "/api/runs/grok-2/note", "{\"note\": \"  weight decay ablation, see plateau\\n\"}");
        assertEquals(200, r.status(), r.body());
        assertEquals("weight decay ablation, see plateau", r.json().get("note").asText());
        assertEquals("weight decay ablation, see plateau", t.archive.run("grok-2").info().summary().get("notes"));
        assertEquals("grok-2", t.http.get("/api/runs?q=plateau").json().get("runs").get(0).get("id").asText());
        assertEquals(200, call("PUT", "/api/runs/grok-2/note", "{\"note\": \"\"}").status());
        assertEquals(0, t.http.get("/api/runs?q=plateau").json().get("total").asInt());
    }

    @Test
    void deleteRemovesTheRunDirectoryAndItsIndexEntry() throws Exception {
        t.archive.createRun(TestArchive.info("to-delete", 7, "finished", 1, 1))
                .writeCheckpoint(TestArchive.checkpoint(0, false));
        t.index.indexRun(t.archive.run("to-delete"));
        t.index.commit();
        Path runDir = t.archive.run("to-delete").dir();
        assertEquals(1, t.http.get("/api/runs?q=id:to-delete").json().get("total").asInt());

        Http.Response r = call("DELETE", "/api/runs/to-delete", null);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.json().get("deleted").asBoolean());
        assertFalse(Files.exists(runDir));
        assertEquals(404, t.http.get("/api/runs/to-delete").status());
        assertEquals(0, t.http.get("/api/runs?q=id:to-delete").json().get("total").asInt());
        try (var left = Files.list(runDir.getParent())) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains("to-delete")), "nothing left behind");
        }
        assertEquals(404, call("DELETE", "/api/runs/to-delete", null).status());
    }

    @Test
    void aRunningRunIsOnlyDeletedWithForce() {
        t.archive.createRun(TestArchive.info("still-running", 8, "running", 1, 1));
        Http.Response r = call("DELETE", "/api/runs/still-running", null);
        assertEquals(409, r.status(), r.body());
        assertEquals(400, call("DELETE", "/api/runs/still-running?force=maybe", null).status());
        assertEquals(200, call("DELETE", "/api/runs/still-running?force=true", null).status());
    }

    @Test
    void everyChangeNeedsTheToken() {
        for (String[] req : new String[][] {{"DELETE", "/api/runs/grok-1", null}, {"POST", "/api/runs/grok-1/tags", "{\"add\":[\"x\"]}"},
                {"PUT", "/api/runs/grok-1/note", "{\"note\":\"x\"}"}}) {
            Http.Response none = t.http.request(req[0], req[1], req[2], JSON, null);
            assertEquals(401, none.status(), none.body());
            assertEquals("unauthorized", none.json().get("error").asText());
            assertEquals(401, t.http.request(req[0], req[1], req[2], JSON, TOKEN + "x").status());
        }
        assertTrue(t.archive.hasRun("grok-1"));
    }

    @Test
    void badBodiesAre4xx() {
        String tags = "/api/runs/grok-1/tags";
        assertStatus(400, "bad JSON", call("POST", tags, "{\"add\": [\"x\""));
        assertStatus(400, "bad body", call("POST", tags, "[\"x\"]"));
        assertStatus(400, "bad body", call("POST", tags, "{}"));
        assertStatus(400, "bad body", call("POST", tags, "{\"add\": \"x\"}"));
        assertStatus(400, "bad body", call("POST", tags, "{\"tags\": [\"x\"]}"));
        assertStatus(400, "bad tag", call("POST", tags, "{\"add\": [\"../etc\"]}"));
        assertStatus(400, "bad tag", call("POST", tags, "{\"add\": [\"" + "a".repeat(65) + "\"]}"));
        assertStatus(400, "bad tag", call("POST", tags, "{\"add\": [3]}"));
        assertStatus(400, "bad body", call("POST", tags, ""));
        assertStatus(415, "unsupported media type", t.http.request("POST", tags, "{\"add\":[\"x\"]}", "text/plain", TOKEN));
        assertStatus(413, "request entity too large", call("PUT", "/api/runs/grok-1/note",
                "{\"note\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}"));
        assertStatus(400, "note too long", call("PUT", "/api/runs/grok-1/note", "{\"note\": \"" + "x".repeat(10_001) + "\"}"));
        assertStatus(400, "bad body", call("PUT", "/api/runs/grok-1/note", "{\"note\": 5}"));
        assertStatus(400, "bad note", call("PUT", "/api/runs/grok-1/note", "{\"note\": \"a\\u0000b\"}"));
        assertStatus(404, "unknown run", call("PUT", "/api/runs/nope/note", "{\"note\": \"x\"}"));
        assertStatus(404, "unknown run", call("DELETE", "/api/runs/..%2F..%2Fetc", null));
        assertEquals(200, t.http.get("/api/health").status());
    }

    @Test
    void withoutAWritableIndexChangesAre503(@TempDir Path other) throws Exception {
        Archive archive = TestArchive.create(other);
        try (RunIndex writer = RunIndex.open(archive.indexDir())) { // like a training process holding the lock
            writer.reindex(archive);
            try (RunIndex readOnly = RunIndex.openReadOnly(archive.indexDir());
                 DynalensServer server = TestServer.over(archive, readOnly, TestServer.randomPort().withToken(TOKEN))) {
                Http http = new Http(server.port());
                Http.Response r = http.request("POST", "/api/runs/grok-1/tags", "{\"add\":[\"x\"]}", JSON, TOKEN);
                assertStatus(503, "read-only server", r);
                assertTrue(r.json().get("detail").asText().contains("read-only"), r.body());
                assertStatus(503, "read-only server", http.request("DELETE", "/api/runs/grok-1", null, null, TOKEN));
                assertTrue(archive.hasRun("grok-1"));
                assertEquals(2, http.get("/api/runs").json().get("total").asInt() - 1, "search still works");
            }
        }
    }

    @Test
    void aServerWithoutTokenRefusesChanges(@TempDir Path other) throws Exception {
        try (TestServer readOnly = TestServer.withoutIndex(other, TestServer.randomPort())) {
            Http.Response r = readOnly.http.request("DELETE", "/api/runs/grok-1", null, null, "anything");
            assertStatus(403, "forbidden", r);
        }
    }

    private static void assertStatus(int status, String error, Http.Response r) {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        assertEquals(error, r.json().get("error").asText(), r.body());
    }
}
