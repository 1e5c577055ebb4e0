package org.dynalens.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The UI pages, scripts and the vendored uPlot are served from the classpath with the right types. */
class StaticUiTest {

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
    void searchPage() {
        Http.Response r = t.http.get("/");
        assertEquals(200, r.status());
        assertTrue(r.contentType().startsWith("text/html"), r.contentType());
        assertTrue(r.body().contains("task:mod-add AND test_loss:[0 TO 0.1]"), "query placeholder");
        assertTrue(r.body().contains("js/search.js"));
    }

    @Test
    void runPage() {
        Http.Response r = t.http.get("/run.html");
        assertEquals(200, r.status());
        assertTrue(r.contentType().startsWith("text/html"), r.contentType());
        assertTrue(r.body().contains("vendor/uplot/uPlot.min.css"));
    }

    @Test
    void appScriptsAndStyles() {
        for (String js : new String[] {"/js/api.js", "/js/search.js", "/js/run.js", "/js/charts.js", "/js/dom.js"}) {
            Http.Response r = t.http.get(js);
            assertEquals(200, r.status(), js);
            assertTrue(r.contentType().contains("javascript"), js + ": " + r.contentType());
        }
        Http.Response css = t.http.get("/css/app.css");
        assertEquals(200, css.status());
        assertTrue(css.contentType().startsWith("text/css"), css.contentType());
    }

    @Test
    void vendoredUplot() {
        Http.Response js = t.http.get("/vendor/uplot/uPlot.esm.js");
        assertEquals(200, js.status());
        assertTrue(js.contentType().contains("javascript"), js.contentType());
        assertTrue(js.body().contains("export"), "the ES module build");
        Http.Response css = t.http.get("/vendor/uplot/uPlot.min.css");
        assertEquals(200, css.status());
        assertTrue(css.contentType().startsWith("text/css"), css.contentType());
    }

    @Test
    void missingFilesAre404() {
        assertEquals(404, t.http.get("/nope.html").status());
        assertEquals(404, t.http.get("/vendor/uplot/../../../../META-INF/MANIFEST.MF").status());
        assertEquals(404, t.http.get("/vendor/uplot/..%2F..%2FLICENSE").status());
    }
}
