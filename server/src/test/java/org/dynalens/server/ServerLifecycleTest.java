package org.dynalens.server;

import org.dynalens.archive.Archive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.dynalens.server.RunApiTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** start/stop, port binding, options, and the bearer token for mutating requests. */
class ServerLifecycleTest {

    @TempDir
    Path dir;

    @Test
    void startReturnsTheBoundPortAndStopReleasesIt() {
        Archive archive = Archive.open(dir);
        DynalensServer server = new DynalensServer(archive, null, TestServer.randomPort());
        assertEquals(-1, server.port());
        int port = server.start();
        assertTrue(port > 0);
        assertEquals(port, server.port());
        assertThrows(IllegalStateException.class, server::start);
        assertEquals(200, new Http(port).get("/api/health").status());
        server.stop();
        assertEquals(-1, server.port());
        server.stop(); // idempotent

        // the port is free again, and a stopped server can start again
        DynalensServer again = new DynalensServer(archive, null, TestServer.randomPort().withPort(port));
        assertEquals(port, again.start());
        again.stop();
    }

    @Test
    void portInUseFailsWithTheAddress() {
        Archive archive = Archive.open(dir);
        try (DynalensServer first = new DynalensServer(archive, null, TestServer.randomPort())) {
            int port = first.start();
            DynalensServer second = new DynalensServer(archive, null, TestServer.randomPort().withPort(port));
            IllegalStateException e = assertThrows(IllegalStateException.class, second::start);
            assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
            assertEquals(-1, second.port());
        }
    }

    @Test
    void options() {
        ServerOptions d = ServerOptions.defaults();
        assertEquals("127.0.0.1", d.host());
        assertEquals(8080, d.port());
        assertEquals(null, d.token());
        assertEquals(null, d.withToken("  ").token());
        assertThrows(IllegalArgumentException.class, () -> d.withPort(70000));
        assertThrows(IllegalArgumentException.class, () -> d.withHost(""));
        assertTrue(!d.withToken("secret").toString().contains("secret"));
    }

    @Test
    void mutatingRequestsNeedTheToken() throws Exception {
        try (TestServer t = TestServer.withoutIndex(dir, TestServer.randomPort().withToken("s3cret"))) {
            Http.Response none = t.http.post("/api/runs", "{}", null);
            assertError(none, 401, "unauthorized");
            assertError(t.http.post("/api/runs", "{}", "wrong"), 401, "unauthorized");
            // with the token the request gets through the guard; this server has no index to record a launch in
            assertError(t.http.post("/api/runs", "{}", "s3cret"), 503, "read-only server");
            // bodies are capped
            String big = "x".repeat((int) DynalensServer.MAX_BODY_BYTES + 1);
            assertError(t.http.post("/api/runs", big, "s3cret"), 413, "request entity too large");
            // reading needs no token
            assertEquals(200, t.http.get("/api/runs/grok-1").status());
        }
    }
}
