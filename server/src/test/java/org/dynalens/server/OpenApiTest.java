package org.dynalens.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /openapi.yaml} is served and documents exactly the routes the server has. */
class OpenApiTest {

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
    void documentListsEveryRouteAndNothingElse() {
        Http.Response r = t.http.get("/openapi.yaml");
        assertEquals(200, r.status());
        assertTrue(r.contentType().startsWith("application/yaml"), r.contentType());
        assertTrue(r.body().startsWith("openapi: 3.0"), r.body().substring(0, 40));
        Set<String> documented = operations(r.body());
        Set<String> routes = new TreeSet<>(t.server.apiRoutes());
        assertTrue(routes.size() >= 14, routes.toString());
        assertEquals(routes, documented);
    }

    /** "METHOD /path" for every operation under {@code paths:} (2-space path keys, 4-space method keys). */
    static Set<String> operations(String yaml) {
        Set<String> out = new TreeSet<>();
        boolean inPaths = false;
        String path = null;
        Set<String> methods = new LinkedHashSet<>(Set.of("get", "put", "post", "delete", "patch", "head", "options"));
        for (String line : yaml.split("\n")) {
            if (!line.startsWith(" ")) {
                inPaths = line.startsWith("paths:");
                continue;
            }
            if (!inPaths) continue;
            if (line.startsWith("  /") && line.endsWith(":")) {
                path = line.trim().substring(0, line.trim().length() - 1);
            } else if (line.startsWith("    ") && !line.startsWith("     ") && path != null) {
                String key = line.trim().split(":")[0];
                if (methods.contains(key)) out.add(key.toUpperCase() + " " + path);
            }
        }
        return out;
    }
}
