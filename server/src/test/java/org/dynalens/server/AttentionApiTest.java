package org.dynalens.server;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.SequenceTask;
import org.dynalens.plugin.train.RunConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.dynalens.server.RunApiTest.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /api/runs/{id}/checkpoints/{step}/attention} over a real server, a real trained 2-layer repeated-tokens
 * run and the real mod-add runs of {@link TrainedRuns}: patterns are causal probability rows, equal to what the
 * model computes directly, and bad input is a clear 4xx.
 */
class AttentionApiTest {

    static TrainedSequenceRun seq;
    static TrainedRuns modAdd;
    static DynalensServer server;
    static Http http;

    @BeforeAll
    static void start() {
        seq = TrainedSequenceRun.get();
        modAdd = TrainedRuns.get();
        server = TestServer.over(seq.archive, seq.index, TestServer.randomPort());
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.stop();
    }

    private static String url(String query) {
        return "/api/runs/" + seq.id + "/checkpoints/20/attention" + query;
    }

    @Test
    void oneHeadOnTheProbeIsCausalAndSumsToOne() {
        Http.Response r = http.get(url("?layer=1&head=0"));
        assertEquals(200, r.status(), r.body());
        JsonNode body = r.json();
        assertEquals("probe", body.get("input").asText());
        assertEquals(2, body.get("n_layers").asInt());
        assertEquals(2, body.get("n_heads").asInt());
        int[] tokens = ints(body.get("tokens"));
        int n = TrainedSequenceRun.N_CTX;
        assertEquals(n, tokens.length);
        for (int i = 0; i < n / 2; i++) assertEquals(tokens[i], tokens[n / 2 + i], "probe: a random half, repeated");
        assertEquals(1, body.get("patterns").size());
        JsonNode one = body.get("patterns").get(0);
        assertEquals(1, one.get("layer").asInt());
        assertEquals(0, one.get("head").asInt());
        assertCausalRows(one.get("pattern"), n);
    }

    @Test
    void everyHeadEqualsTheModelsOwnPatterns() {
        String tokens = "3,7,1,3,7,1,5";
        Http.Response r = http.get(url("?tokens=" + tokens));
        assertEquals(200, r.status(), r.body());
        JsonNode body = r.json();
        assertEquals("given", body.get("input").asText());
        assertEquals(4, body.get("patterns").size(), "2 layers x 2 heads");

        // the same checkpoint loaded straight into the plugin's model
        RunConfig cfg = RunConfig.fromMap(seq.archive.run(seq.id).info().config());
        SequenceTask task = cfg.createSequenceTask();
        ModelConfig m = cfg.sequenceModel(task);
        try (NDManager manager = Djl.newManager();
             Transformer model = Transformer.fromTensors(m, seq.archive.run(seq.id).readCheckpoint(20).params(), manager)) {
            List<NDArray> expected = model.attentionPatterns(manager.create(new long[] {3, 7, 1, 3, 7, 1, 5}, new Shape(1, 7)));
            for (JsonNode p : body.get("patterns")) {
                assertCausalRows(p.get("pattern"), 7);
                float[] want = expected.get(p.get("layer").asInt()).toFloatArray();
                int h = p.get("head").asInt();
                for (int q = 0; q < 7; q++) {
                    for (int k = 0; k < 7; k++) {
                        assertEquals(want[(h * 7 + q) * 7 + k], p.get("pattern").get(q).get(k).floatValue(), 1e-6,
                                "layer " + p.get("layer") + " head " + h + " [" + q + "," + k + "]");
                    }
                }
            }
        }
    }

    @Test
    void taskInputIsTheFirstEvaluationSequence() {
        Http.Response r = http.get(url("?input=task&layer=0"));
        assertEquals(200, r.status(), r.body());
        RunConfig cfg = RunConfig.fromMap(seq.archive.run(seq.id).info().config());
        int[] expected = cfg.createSequenceTask().batch(SequenceTask.evaluationSeed(cfg.seed()), 0, 1).tokens();
        assertArrayEquals(expected, ints(r.json().get("tokens")));
        assertEquals(2, r.json().get("patterns").size());
    }

    @Test
    void modAddModelOnItsFirstTestExample() {
        String path = "/api/runs/" + modAdd.seed0 + "/checkpoints/20/attention?head=2";
        DynalensServer other = TestServer.over(modAdd.archive, modAdd.index, TestServer.randomPort());
        try {
            Http.Response r = new Http(other.port()).get(path);
            assertEquals(200, r.status(), r.body());
            JsonNode body = r.json();
            assertEquals("example", body.get("input").asText());
            int[] tokens = ints(body.get("tokens"));
            assertEquals(3, tokens.length);
            assertEquals(TrainedRuns.P, tokens[2], "a b = with '=' the token p");
            assertEquals("=", body.get("labels").get(2).asText());
            assertEquals(String.valueOf(tokens[0]), body.get("labels").get(0).asText());
            assertCausalRows(body.get("patterns").get(0).get("pattern"), 3);
        } finally {
            other.stop();
        }
    }

    @Test
    void badInputIsAClearError() {
        assertError(http.get(url("?layer=2")), 400, "bad parameter");
        assertError(http.get(url("?layer=x")), 400, "bad parameter");
        assertError(http.get(url("?head=-1")), 400, "bad parameter");
        assertError(http.get(url("?tokens=1,99")), 400, "bad tokens");
        assertError(http.get(url("?tokens=1,a")), 400, "bad tokens");
        assertError(http.get(url("?tokens=1,,2")), 400, "bad tokens");
        assertError(http.get(url("?tokens=" + "1,".repeat(TrainedSequenceRun.N_CTX) + "1")), 400, "bad tokens");
        assertError(http.get(url("?tokens=" + "1".repeat(2_000))), 400, "bad tokens");
        assertEquals(414, http.get(url("?tokens=" + "1,".repeat(20_000))).status(), "the server's own URI limit");
        assertError(http.get(url("?input=bogus")), 400, "bad parameter");
        assertError(http.get(url("?input=task&tokens=1,2")), 400, "bad parameter");
        assertError(http.get("/api/runs/" + seq.id + "/checkpoints/15/attention"), 404, "unknown checkpoint");
        assertError(http.get("/api/runs/" + seq.id + "/checkpoints/abc/attention"), 400, "bad step");
        assertError(http.get("/api/runs/no-such-run/checkpoints/0/attention"), 404, "unknown run");
    }

    /** Seeded random parameter combinations on the real model: never a 5xx, and 200 exactly when all are valid. */
    @Test
    void randomParametersNeverFailTheServer() {
        java.util.Random rng = new java.util.Random(42);
        String[] indices = {null, "0", "1", "2", "-1", "x", "1e3", "99999999999", "%00", "%20", ""};
        String[] tokenLists = {null, "1,2,3", "15", "0,15,0,15", "", ",", "1,,2", "a", "-1", "16", "1.5", "%00",
                "1,2,3,4,5,6,7,8,9,10,11,12,13", "1%202"};
        String[] inputs = {null, "probe", "task", "example", "x", ""};
        for (int i = 0; i < 300; i++) {
            String layer = indices[rng.nextInt(indices.length)], head = indices[rng.nextInt(indices.length)];
            String tokens = tokenLists[rng.nextInt(tokenLists.length)], input = inputs[rng.nextInt(inputs.length)];
            StringBuilder q = new StringBuilder("?");
            if (layer != null) q.append("layer=").append(layer).append('&');
            if (head != null) q.append("head=").append(head).append('&');
            if (tokens != null) q.append("tokens=").append(tokens).append('&');
            if (input != null) q.append("input=").append(input).append('&');
            Http.Response r = http.get(url(q.toString()));
            // a blank parameter (empty or %20) counts as absent, as everywhere in the API
            boolean validIndex = List.of("", "%20", "0", "1").contains(layer == null ? "" : layer)
                    && List.of("", "%20", "0", "1").contains(head == null ? "" : head);
            boolean hasTokens = tokens != null && !tokens.isEmpty();
            boolean validTokens = !hasTokens || List.of("1,2,3", "15", "0,15,0,15").contains(tokens);
            boolean validInput = input == null || input.isEmpty() || (!hasTokens && List.of("probe", "task").contains(input));
            assertEquals(validIndex && validTokens && validInput ? 200 : 400, r.status(), q + " -> " + r.body());
        }
    }

    /** Every row a probability distribution over keys 0..q, exactly zero above the diagonal. */
    static void assertCausalRows(JsonNode pattern, int n) {
        assertEquals(n, pattern.size());
        for (int q = 0; q < n; q++) {
            JsonNode row = pattern.get(q);
            assertEquals(n, row.size());
            double sum = 0;
            for (int k = 0; k < n; k++) {
                double a = row.get(k).asDouble();
                assertTrue(a >= 0, "non-negative");
                if (k > q) assertEquals(0.0, a, 0.0, "causal: query " + q + " sees no key " + k);
                sum += a;
            }
            assertEquals(1.0, sum, 1e-5, "row " + q + " sums to 1");
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
