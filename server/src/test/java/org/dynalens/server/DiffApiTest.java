package org.dynalens.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /api/diff} over real trained runs (two seeds and a smaller model) on a real server. */
class DiffApiTest {

    static TrainedRuns runs;
    static DynalensServer server;
    static Http http;

    @BeforeAll
    static void start() {
        runs = TrainedRuns.get();
        server = TestServer.over(runs.archive, runs.index, TestServer.randomPort());
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static JsonNode diff(String a, String b) {
        Http.Response r = http.get("/api/diff?a=" + a + "&b=" + b);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    @Test
    void oneRunAtTwoSteps() {
        JsonNode d = diff(runs.seed0 + "@10", runs.seed0 + "@20");
        assertEquals(runs.seed0, d.get("a").get("run").asText());
        assertEquals(20, d.get("b").get("step").asLong());
        assertTrue(d.get("same_run").asBoolean());

        Set<String> names = new HashSet<>();
        for (JsonNode p : d.get("parameters")) {
            names.add(p.get("name").asText());
            double rel = p.get("relative_change").asDouble();
            assertTrue(rel > 0, p.toString()); // ten AdamW steps move every parameter (biases start at 0: large relative moves)
            assertEquals(p.get("l2_diff").asDouble() / p.get("norm_a").asDouble(), rel, 1e-9);
            double cos = p.get("cosine").asDouble();
            assertTrue(cos > 0 && cos <= 1 + 1e-12, p.toString());
            if (p.get("name").asText().startsWith("embed")) assertTrue(rel < 0.5 && cos > 0.9, p.toString());
        }
        assertTrue(names.containsAll(Set.of("embed.W_E", "pos_embed.W_pos", "blocks.0.attn.W_Q", "blocks.0.attn.W_O",
                "blocks.0.mlp.W_in", "unembed.W_U")), names.toString());
        assertTrue(d.get("total").get("l2_diff").asDouble() > 0);

        JsonNode trainLoss = metric(d, "train_loss");
        assertEquals(trainLoss.get("b").asDouble() - trainLoss.get("a").asDouble(), trainLoss.get("delta").asDouble(), 1e-12);

        JsonNode keys = d.get("key_freqs");
        assertTrue(keys.get("available").asBoolean(), keys.toString());
        assertEquals(keys.get("a").size(), keys.get("shared").size() + keys.get("only_a").size());
        assertEquals(keys.get("b").size(), keys.get("shared").size() + keys.get("only_b").size());

        double logits = d.get("cka").get("logits").asDouble();
        assertTrue(logits > 0 && logits <= 1 + 1e-9, d.get("cka").toString());
        assertEquals(TrainedRuns.P * TrainedRuns.P, d.get("cka").get("inputs").asInt());
        double embedding = d.get("cka").get("embedding").asDouble();
        assertTrue(embedding > 0.5 && embedding <= 1 + 1e-9, d.get("cka").toString());

        JsonNode heads = d.get("heads").get(0);
        assertEquals(4, heads.get("n_heads").asInt());
        assertEquals(4, heads.get("similarity").size());
        for (JsonNode m : heads.get("matching")) assertEquals(m.get("a").asInt(), m.get("b").asInt()); // same run
    }

    @Test
    void aCheckpointAgainstItselfIsIdentical() {
        JsonNode d = diff(runs.seed1 + "@20", runs.seed1 + "@latest");
        assertEquals(20, d.get("b").get("step").asLong());
        assertEquals(0.0, d.get("total").get("l2_diff").asDouble());
        assertEquals(1.0, d.get("total").get("cosine").asDouble(), 1e-12);
        assertEquals(1.0, d.get("cka").get("logits").asDouble(), 1e-6);
        assertEquals(1.0, d.get("cka").get("embedding").asDouble(), 1e-9);
        for (JsonNode m : metricsOf(d)) assertEquals(0.0, m.get("delta").asDouble());
        JsonNode sim = d.get("heads").get(0).get("similarity");
        for (int i = 0; i < 4; i++) assertEquals(1.0, sim.get(i).get(i).asDouble(), 1e-9);
        assertEquals(0, d.get("key_freqs").get("only_a").size());
    }

    @Test
    void twoSeedsGetAnOptimalHeadMatching() {
        JsonNode d = diff(runs.seed0 + "@20", runs.seed1 + "@20");
        assertFalse(d.get("same_run").asBoolean());
        JsonNode layer = d.get("heads").get(0);
        assertEquals("hungarian", layer.get("method").asText());
        JsonNode sim = layer.get("similarity");
        Set<Integer> used = new HashSet<>();
        double matched = 0;
        for (JsonNode m : layer.get("matching")) {
            assertTrue(used.add(m.get("b").asInt()), "each head of b is matched once: " + layer.get("matching"));
            matched += sim.get(m.get("a").asInt()).get(m.get("b").asInt()).asDouble();
        }
        // the Hungarian matching is at least as good as every other permutation, in particular all 24 of 4 heads
        double best = bestPermutation(sim, 0, new boolean[4], 0);
        assertEquals(best, matched, 1e-9);
        double cka = d.get("cka").get("logits").asDouble();
        assertTrue(cka >= 0 && cka < 1, "different seeds give different functions: " + cka);
    }

    private static double bestPermutation(JsonNode sim, int row, boolean[] used, double sum) {
        if (row == used.length) return sum;
        double best = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < used.length; j++) {
            if (used[j]) continue;
            used[j] = true;
            best = Math.max(best, bestPermutation(sim, row + 1, used, sum + sim.get(row).get(j).asDouble()));
            used[j] = false;
        }
        return best;
    }

    @Test
    void missingKeyFrequenciesAreReportedNotFatal() {
        JsonNode d = diff(runs.seed0 + "@0", runs.seed1 + "@20");
        JsonNode keys = d.get("key_freqs");
        assertFalse(keys.get("available").asBoolean());
        assertTrue(keys.get("note").asText().contains("checkpoint a"), keys.toString());
    }

    @Test
    void differentArchitecturesAre400SayingWhatDiffers() {
        Http.Response r = http.get("/api/diff?a=" + runs.seed0 + "@20&b=" + runs.small + "@20");
        assertEquals(400, r.status(), r.body());
        JsonNode e = r.json();
        assertEquals("different architectures", e.get("error").asText());
        assertTrue(e.get("detail").asText().contains("embed.W_E is [24, 128] in a but [24, 32] in b"), e.get("detail").asText());
        assertNotEquals(0, e.get("shape_mismatch").size());
    }

    @Test
    void unknownRunsAndStepsAre404() {
        assertError(http.get("/api/diff?a=no-such-run@0&b=" + runs.seed0 + "@0"), 404, "unknown run");
        assertError(http.get("/api/diff?a=" + runs.seed0 + "@0&b=" + runs.seed0 + "@15"), 404, "unknown checkpoint");
        assertError(http.get("/api/diff?a=" + runs.seed0 + "@99999999999&b=" + runs.seed0 + "@0"), 404, "unknown checkpoint");
    }

    @Test
    void malformedSpecsAre400() {
        String ok = runs.seed0 + "@0";
        for (String bad : new String[] {"", "nostep", "@10", ok.replace("@0", "@"), ok.replace("@0", "@-1"),
                ok.replace("@0", "@ten"), "..%2F..%2Fetc@0", "a%2Fb@0", ok.replace("@0", "@1e3"), "%00@0",
                ok.replace("@0", "@99999999999999999999999")}) {
            assertError(http.get("/api/diff?a=" + bad + "&b=" + ok), 400, "bad checkpoint");
        }
        assertError(http.get("/api/diff?b=" + ok), 400, "bad checkpoint");
        assertError(http.get("/api/diff"), 400, "bad checkpoint");
    }

    private static void assertError(Http.Response r, int status, String error) {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        assertEquals(error, r.json().get("error").asText(), r.body());
    }

    private static JsonNode metric(JsonNode d, String name) {
        for (JsonNode m : metricsOf(d)) if (m.get("name").asText().equals(name)) return m;
        throw new AssertionError("no metric " + name + " in " + d.get("metrics"));
    }

    private static JsonNode metricsOf(JsonNode d) {
        return d.get("metrics");
    }
}
