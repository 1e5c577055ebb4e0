package org.dynalens.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.dynalens.server.RunApiTest.assertError;
import static org.junit.jupiter.api.Assertions.*;

/** {@code /api/runs/{id}/measures} and {@code /api/runs/{id}/checkpoints/{step}/spectrum}. */
class MeasureApiTest {

    @TempDir
    static Path dir;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = TestServer.withoutIndex(dir, TestServer.randomPort());
        RunInfo base = TestArchive.info("analysed-1", 4, "finished", 1e-6, 0.01);
        Map<String, Object> summary = new LinkedHashMap<>(base.summary());
        summary.put("grok_step", 200L);
        summary.put("phase_memorisation_end", 100L);
        summary.put("phase_circuit_formation_end", 150L);
        RunArchive run = t.archive.createRun(base.withSummary(summary));
        MetricSeries measures = new MetricSeries();
        measures.append(0, Map.of("restricted_loss", 4.7, "excluded_loss", 4.7));
        measures.append(100, Map.of("restricted_loss", 2.0));                 // excluded missing: null in JSON
        measures.append(200, Map.of("restricted_loss", 0.01, "excluded_loss", 13.0));
        run.writeMeasures(measures);
        for (long step : new long[] {0, 100, 200}) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put(Checkpoint.PARAMS + "embed.W_E", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
            if (step == 200) {
                tensors.put(Checkpoint.ANALYSIS + "freq_norms_W_E", Tensor.vector(new double[] {0.1, 5.0, 0.2}));
                tensors.put(Checkpoint.ANALYSIS + "key_freqs", Tensor.vector(new int[] {2}));
            }
            run.writeCheckpoint(new Checkpoint(step, tensors, Map.of()));
        }
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void measuresWithPhasesFromTheSummary() {
        Http.Response r = t.http.get("/api/runs/analysed-1/measures");
        assertEquals(200, r.status(), r.body());
        JsonNode body = r.json();
        assertEquals("[0,100,200]", body.get("steps").toString());
        assertEquals("[4.7,null,13.0]", body.get("series").get("excluded_loss").toString());
        assertEquals(0.01, body.get("series").get("restricted_loss").get(2).asDouble());
        assertEquals("{\"grok_step\":200,\"phase_memorisation_end\":100,\"phase_circuit_formation_end\":150}",
                body.get("phases").toString());
    }

    @Test
    void aRunWithoutMeasuresHasEmptySeriesAndNoPhases() {
        Http.Response r = t.http.get("/api/runs/" + TestArchive.FINISHED + "/measures");
        assertEquals(200, r.status(), r.body());
        assertEquals("[]", r.json().get("steps").toString());
        assertEquals("{}", r.json().get("phases").toString());
    }

    @Test
    void spectrumOfAnAnalysedCheckpoint() {
        Http.Response r = t.http.get("/api/runs/analysed-1/checkpoints/200/spectrum");
        assertEquals(200, r.status(), r.body());
        assertEquals("[0.1,5.0,0.2]", r.json().get("freq_norms_W_E").toString());
        assertEquals("[2]", r.json().get("key_freqs").toString());
        assertEquals(200, r.json().get("step").asLong());
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        assertError(t.http.get("/api/runs/no-such-run/measures"), 404, "unknown run");
        assertError(t.http.get("/api/runs/analysed-1/checkpoints/100/spectrum"), 404, "no spectrum");
        assertError(t.http.get("/api/runs/analysed-1/checkpoints/300/spectrum"), 404, "unknown checkpoint");
        assertError(t.http.get("/api/runs/analysed-1/checkpoints/x/spectrum"), 400, "bad step");
    }
}
