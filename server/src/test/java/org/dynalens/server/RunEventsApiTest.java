package org.dynalens.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.dynalens.archive.Archive;
import org.dynalens.archive.RunInfo;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /api/runs/{id}/events}: server-sent events of new checkpoints, on a real server and archive. */
class RunEventsApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** One parsed event: its type, id (or null) and JSON data. */
    record Event(String type, String id, JsonNode data) {
    }

    /** An open event stream read line by line. */
    static final class EventStream implements AutoCloseable {
        final HttpResponse<Stream<String>> response;
        private final Iterator<String> lines;

        EventStream(String url) throws IOException, InterruptedException {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            response = client.send(HttpRequest.newBuilder(URI.create(url)).header("accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofLines());
            lines = response.body().iterator();
        }

        /** The next event (skipping comments), waiting at most {@code seconds}. */
        Event next(long seconds) throws Exception {
            return CompletableFuture.supplyAsync(() -> {
                String type = null, id = null, data = null;
                while (lines.hasNext()) {
                    String line = lines.next();
                    if (line.isEmpty()) {
                        if (type != null) {
                            try {
                                return new Event(type, id, JSON.readTree(data));
                            } catch (IOException e) {
                                throw new AssertionError(e);
                            }
                        }
                        continue;
                    }
                    if (line.startsWith(":")) continue;
                    if (line.startsWith("event: ")) type = line.substring(7);
                    else if (line.startsWith("id: ")) id = line.substring(4);
                    else if (line.startsWith("data: ")) data = line.substring(6);
                }
                throw new AssertionError("stream ended");
            }).get(seconds, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            response.body().close();
        }
    }

    @Test
    void streamsEachNewCheckpointWithItsMetrics() throws Exception {
        Archive archive = t.archive;
        try (EventStream events = new EventStream(t.http.base() + "/api/runs/" + TestArchive.RUNNING + "/events")) {
            assertEquals(200, events.response.statusCode());
            assertTrue(events.response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
            Event hello = events.next(10);
            assertEquals("hello", hello.type());
            assertEquals(0, hello.data().get("last_step").asLong());

            archive.run(TestArchive.RUNNING).writeCheckpoint(TestArchive.checkpoint(10, false));
            archive.run(TestArchive.RUNNING).writeCheckpoint(TestArchive.checkpoint(20, false));
            Event first = events.next(10);
            assertEquals("checkpoint", first.type());
            assertEquals("10", first.id());
            assertEquals(10, first.data().get("step").asLong());
            assertEquals(2.0 / 11, first.data().get("metrics").get("test_loss").asDouble(), 1e-12);
            assertEquals("running", first.data().get("status").asText());
            assertEquals(20, events.next(10).data().get("step").asLong());
        }
        assertEquals(200, t.http.get("/api/health").status());
    }

    @Test
    void resumesAfterAStepAndReplaysTheRest() throws Exception {
        try (EventStream events = new EventStream(t.http.base() + "/api/runs/" + TestArchive.FINISHED + "/events?after=0")) {
            assertEquals("hello", events.next(10).type());
            assertEquals(100, events.next(10).data().get("step").asLong());
            assertEquals(200, events.next(10).data().get("step").asLong());
        }
    }

    @Test
    void aDeletedRunEndsTheStream() throws Exception {
        Archive archive = t.archive;
        archive.createRun(TestArchive.info("doomed", 9, "running", 1, 1));
        try (EventStream events = new EventStream(t.http.base() + "/api/runs/doomed/events")) {
            assertEquals("hello", events.next(10).type());
            TrainedRuns.deleteTree(archive.run("doomed").dir());
            assertEquals("gone", events.next(10).type());
        }
    }

    @Test
    void badRequestsAreJsonErrors() {
        assertEquals(404, t.http.get("/api/runs/no-such-run/events").status());
        assertEquals(404, t.http.get("/api/runs/..%2Fetc/events").status());
        for (String after : new String[] {"x", "-2", "1.5", "99999999999999999999"}) {
            Http.Response r = t.http.get("/api/runs/" + TestArchive.FINISHED + "/events?after=" + after);
            assertEquals(400, r.status(), r.body());
            assertEquals("bad parameter", r.json().get("error").asText());
        }
    }

    /**
     * A run trained in this JVM while a client listens: one event per checkpoint, in order. Training stays on the
     * test's thread (PyTorch's grad mode is per thread, and TrainingRun relies on the engine having been started
     * on its own thread); the client listens on another.
     */
    @Test
    void followsARunTrainingInThisJvm(@TempDir Path other) throws Exception {
        Archive archive = Archive.open(other);
        RunConfig cfg = TrainedRuns.config(Map.of("seed", 5, "steps", 30));
        String id = cfg.resolvedRunId();
        try (DynalensServer server = TestServer.over(archive, null, TestServer.randomPort())) {
            CompletableFuture<List<Long>> received = new CompletableFuture<>();
            TrainingRun.train(cfg, archive, new TrainingListener() {
                @Override
                public void onStart(RunInfo info, long startStep, long totalSteps) {
                    // the run exists now: listen from its first checkpoint on, on another thread
                    CompletableFuture.runAsync(() -> {
                        try (EventStream events = new EventStream("http://127.0.0.1:" + server.port() + "/api/runs/"
                                + id + "/events?after=-1")) {
                            assertEquals("hello", events.next(30).type());
                            List<Long> steps = new ArrayList<>();
                            while (steps.size() < 4) {
                                Event e = events.next(120);
                                assertEquals("checkpoint", e.type());
                                assertTrue(e.data().get("metrics").has("train_loss"), e.data().toString());
                                steps.add(e.data().get("step").asLong());
                            }
                            received.complete(steps);
                        } catch (Throwable t) {
                            received.completeExceptionally(t);
                        }
                    });
                }
            });
            assertEquals(List.of(0L, 10L, 20L, 30L), received.get(120, TimeUnit.SECONDS));
            assertTrue(Files.isDirectory(archive.run(id).dir()));
        }
    }
}
