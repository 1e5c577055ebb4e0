package org.dynalens.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * At least 10,000 malformed requests (bad ids, bad steps, huge slices, bad queries, bad JSON, traversal attempts,
 * bad diff specs, bad parameters) from a seeded generator, 4 at a time: every answer is a 4xx (JSON under /api/,
 * without a stack trace or an absolute path), never a 5xx, and the server still answers /api/health afterwards.
 */
class FuzzApiTest {

    static final int REQUESTS = Integer.getInteger("fuzz.requests", 10_500);
    static final String TOKEN = "fuzz-token";
    private static final String[] RUNS = {"grok-1", "grok-2", "broken-1"};
    private static final String[] NASTY = {"..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%2F", "%00", "%0A", "%20", "%25",
            "%C0%AE%C0%AE", "..%5C..%5C", "~root", "%FF%FE", "a%2Fb", "%3Cscript%3E", "'%20OR%201=1", "CON", ".hidden",
            "-dash", "%E2%80%AE", "%C3%A9", "%F0%9F%98%80", "*", "%3F", "%23", ";", "grok-1%2F..%2Fgrok-2", "grok-1%00"};

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

    /** One malformed request. */
    record Attempt(String kind, String method, String path, String body, String contentType, String bearer, boolean raw) {
    }

    @Test
    void malformedRequestsAre4xxAndTheServerStaysUp() throws Exception {
        Random rng = new Random(20250101);
        List<Attempt> attempts = new ArrayList<>();
        List<Supplier<Attempt>> kinds = List.of(
                () -> badId(rng), () -> badStep(rng), () -> hugeSlice(rng), () -> badQuery(rng), () -> badJson(rng),
                () -> traversal(rng), () -> badDiff(rng), () -> badParameter(rng), () -> rawTarget(rng));
        for (int i = 0; i < REQUESTS; i++) attempts.add(kinds.get(i % kinds.size()).get());

        Map<String, AtomicInteger> byKind = new TreeMap<>();
        Map<String, String> failures = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        Map<Long, Attempt> inFlight = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (List<Attempt> chunk : chunks(attempts, 4)) {
                futures.add(pool.submit(() -> {
                    Http http = new Http(t.server.port());
                    for (Attempt a : chunk) {
                        inFlight.put(Thread.currentThread().getId(), a);
                        Http.Response r = a.raw() ? http.rawGet(a.path())
                                : http.request(a.method(), a.path(), a.body(), a.contentType(), a.bearer());
                        String problem = check(a, r);
                        if (problem != null) failures.putIfAbsent(a.method() + " " + a.path(), problem);
                        done.incrementAndGet();
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            for (Future<?> f : futures) {
                try {
                    f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("no answer after 240 s (" + done.get() + " done); in flight: " + inFlight.values());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        for (Attempt a : attempts) byKind.computeIfAbsent(a.kind(), k -> new AtomicInteger()).incrementAndGet();
        assertTrue(done.get() >= Math.min(REQUESTS, 10_000), "sent " + done.get());
        assertTrue(failures.isEmpty(), failures.size() + " bad answers, e.g. " + first(failures, 10));
        assertEquals(200, t.http.get("/api/health").status());
        assertEquals(200, t.http.get("/api/runs/grok-1").status());
        assertTrue(t.archive.hasRun("grok-1") && t.archive.hasRun("grok-2") && t.archive.hasRun("broken-1"));
        System.out.println("fuzz: " + done.get() + " requests, by kind " + byKind);
    }

    private static String check(Attempt a, Http.Response r) {
        if (r.status() < 400 || r.status() >= 500) return "status " + r.status() + ": " + clip(r.body());
        if (r.body().contains("\tat ") || r.body().contains("Exception")) return "stack trace: " + clip(r.body());
        if (r.body().contains(dir.toString())) return "absolute path: " + clip(r.body());
        if (a.path().startsWith("/api/") && !a.raw() && !r.contentType().startsWith("application/json")) {
            return "not JSON (" + r.contentType() + "): " + clip(r.body());
        }
        return null;
    }

    // ---- generators ---------------------------------------------------------------------------------------------

    private static Attempt get(String kind, String path) {
        return new Attempt(kind, "GET", path, null, null, null, false);
    }

    private static String pick(Random rng, String... options) {
        return options[rng.nextInt(options.length)];
    }

    /** A random junk string, percent-encoded so a URI can carry it. */
    private static String junk(Random rng, int maxLength) {
        int n = 1 + rng.nextInt(maxLength);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append((char) (rng.nextBoolean() ? 32 + rng.nextInt(95) : rng.nextInt(0x3000)));
        return URLEncoder.encode(sb.toString(), StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String badRunId(Random rng) {
        return switch (rng.nextInt(4)) {
            case 0 -> pick(rng, NASTY);
            case 1 -> junk(rng, 40);
            case 2 -> "x".repeat(129 + rng.nextInt(400));
            default -> "no-such-run-" + rng.nextInt(1000);
        };
    }

    private Attempt badId(Random rng) {
        String id = badRunId(rng);
        return get("bad id", "/api/runs/" + id + pick(rng, "", "/metrics", "/checkpoints", "/events",
                "/checkpoints/0/params", "/checkpoints/0/params/embed.W_E", "/checkpoints/0/analysis"));
    }

    private Attempt badStep(Random rng) {
        String step = pick(rng, "-1", "abc", "1e5", "0x10", "99999999999999999999", "150", "7", "%20", "1.0", "+-1",
                junk(rng, 10), "9223372036854775807", "-9223372036854775808", "00000000000000000000100x");
        return get("bad step", "/api/runs/" + pick(rng, RUNS) + "/checkpoints/" + step
                + pick(rng, "/params", "/params/embed.W_E", "/analysis"));
    }

    private Attempt hugeSlice(Random rng) {
        // every slice here is malformed or out of range (numpy-style clamping makes "0:99999999999" valid, so no such)
        String slice = pick(rng, ":,:,:,:", "0:1,0:1,0:1", "1:2:3", "a:b", "-99999999999",
                "99999999999", "0:0", "5:1", "-" + (5 + rng.nextInt(Integer.MAX_VALUE - 5)), ",", "0:1,,", "" + (1000 + rng.nextInt(5000)), "0:1,9999",
                junk(rng, 20), ":".repeat(1 + rng.nextInt(50)), "0:1," + ":,".repeat(100));
        String param = pick(rng, "embed.W_E", "big.W");
        if (param.equals("big.W")) slice = pick(rng, slice, "", ":", "0:1001", "-1001:");  // 1.001M values: 413
        return get("huge slice", "/api/runs/grok-1/checkpoints/" + (param.equals("big.W") ? 200 : pick(rng, "0", "100"))
                + "/params/" + param + "?slice=" + slice);
    }

    private Attempt badQuery(Random rng) {
        return switch (rng.nextInt(5)) {
            case 0 -> get("bad query", "/api/runs?q=" + pick(rng, "(", "task:[1%20TO", "%22", "AND", "lr:[a%20TO%20b]",
                    "*:*)", "x:%5B", "%5E%5E%5E", "seed%3E%3E3", "test_loss:[1e-4%20TO", "/re", "a~2~2)"));
            case 1 -> get("bad query", "/api/runs?sort=" + pick(rng, "nope", "-nope", "--seed", junk(rng, 20), "task"));
            case 2 -> get("bad query", "/api/runs?size=" + pick(rng, "0", "-1", "501", "x", "99999999999", "1.5"));
            case 3 -> get("bad query", "/api/runs?page=" + pick(rng, "-1", "x", "99999999999", "200000", "1e3"));
            default -> get("bad query", "/api/runs?q=" + "(".repeat(1 + rng.nextInt(300)));
        };
    }

    private Attempt badJson(Random rng) {
        String body = pick(rng, "{", "}", "[]", "null", "1", "\"x\"", "{\"add\":", "{\"add\":[1,2]}", "{\"add\":\"x\"}",
                "{\"remove\":{}}", "{\"note\":null}", "{\"note\":[]}", "{\"other\":1}", "{\"add\":[\"" + "a".repeat(70) + "\"]}",
                "{\"add\":[\"../x\"]}", "{\"note\":\"" + "n".repeat(10_001) + "\"}", "\u0000\u0001", "{\"add\":[]}", "",
                "{\"add\":[" + "\"t\",".repeat(40) + "\"t\"]}", junk(rng, 50));
        String path = pick(rng, "/api/runs/grok-1/tags", "/api/runs/grok-2/note", "/api/runs/no-such/tags");
        String method = path.endsWith("tags") ? "POST" : "PUT";
        return switch (rng.nextInt(6)) {
            case 0 -> new Attempt("bad JSON", method, path, body, "application/json", null, false);           // no token
            case 1 -> new Attempt("bad JSON", method, path, "{\"add\":[\"ok\"]}", "application/json", "wrong", false);
            case 2 -> new Attempt("bad JSON", method, path, "{\"note\":\"ok\"}", pick(rng, "text/plain",
                    "application/x-www-form-urlencoded", "application/jsonx"), TOKEN, false);
            case 3 -> new Attempt("bad JSON", pick(rng, "PATCH", "PUT", "POST"), "/api/runs/grok-1", body,
                    "application/json", TOKEN, false);
            default -> new Attempt("bad JSON", method, path, body, "application/json", TOKEN, false);
        };
    }

    private Attempt traversal(Random rng) {
        return get("traversal", pick(rng, "/api/runs/..%2F..%2F..%2Fetc%2Fpasswd", "/api/runs/%2e%2e%2f%2e%2e",
                "/api/runs/grok-1/checkpoints/0/params/..%2F..%2Frun.h5", "/api/runs/grok-1/checkpoints/0/params/%2Fetc%2Fpasswd",
                "/api/runs/grok-1/checkpoints/0/params/..", "/api/runs/grok-1/checkpoints/0/params/optim%2Fm%2Fembed.W_E",
                "/api/runs/grok-1/checkpoints/0/params/params%2F..%2F..%2Fx", "/..%2f..%2fetc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                "/vendor/uplot/..%2f..%2f..%2fpom.xml", "/js/..%2f..%2fopenapi.yaml%00", "/api/runs/grok-1%2F..%2F..%2Findex",
                "/api/diff?a=..%2F..%2Fetc@0&b=grok-1@0", "/api/runs/" + "..%2F".repeat(1 + rng.nextInt(20)) + "etc",
                "/api/runs/grok-1/checkpoints/0/params/" + "..%2F".repeat(1 + rng.nextInt(20)) + "etc%2Fpasswd"));
    }

    private Attempt badDiff(Random rng) {
        String good = "grok-1@0";
        String bad = pick(rng, "", "grok-1", "@0", "grok-1@", "grok-1@-1", "grok-1@x", "grok-1@1e3", "grok-1@0@0",
                "no-such@0", "grok-1@150", "grok-1@99999999999999999999", "grok-2@100", "%00@0", junk(rng, 30) + "@0",
                "grok-1@latest" + junk(rng, 5));
        // (a diff with broken-1@200, a corrupt file, is a 500 "unreadable archive file" like every other read of it:
        // a damaged archive, not a malformed request)
        return switch (rng.nextInt(4)) {
            case 0 -> get("bad diff", "/api/diff?a=" + bad + "&b=" + good);
            case 1 -> get("bad diff", "/api/diff?a=" + good + "&b=" + bad);
            case 2 -> get("bad diff", "/api/diff?a=grok-1@200&b=" + pick(rng, "grok-1@0", "grok-1@100", "grok-2@0"));
            default -> get("bad diff", "/api/diff" + pick(rng, "", "?a=", "?b=" + good, "?a=" + good, "?a=" + bad + "&b=" + bad));
        };
    }

    private Attempt badParameter(Random rng) {
        return switch (rng.nextInt(4)) {
            case 0 -> get("bad parameter", "/api/runs/grok-1/metrics?max_points=" + pick(rng, "0", "3", "-5", "x",
                    "100001", "1e9", junk(rng, 8)));
            case 1 -> get("bad parameter", "/api/runs/grok-1/metrics?names=" + pick(rng, "nope", "train_loss,nope",
                    junk(rng, 20)));
            // never a valid "after": a valid one opens an endless event stream
            case 2 -> get("bad parameter", "/api/runs/grok-1/events?after=" + pick(rng, "x", "-2", "1.5", "8x", "%2B%2B1",
                    "99999999999999999999", "-" + junk(rng, 8) + "x"));
            default -> get("bad parameter", "/api/" + pick(rng, "nope", "runs/grok-1/nope", "diffs", "runs/grok-1/checkpoints/0",
                    "runs/grok-1/checkpoints/0/params/embed.W_E/x", junk(rng, 20)));
        };
    }

    /** Request targets a URI class would refuse, sent over a raw socket. */
    private Attempt rawTarget(Random rng) {
        String target = pick(rng, "/api/runs/%ZZ", "/api/runs/%", "/api/runs/a%2", "/api/runs?q=%ZZ", "/api/diff?a=%G0@0",
                "/api/runs/grok-1/checkpoints/%FF%FF/params", "/api/runs/grok-1/metrics?names=%E0%A4%A",
                "/%ZZ", "/api/runs/grok-1/checkpoints/0/params/embed.W_E?slice=%ZZ");
        return new Attempt("raw target", "GET", target, null, null, null, true);
    }

    private static <T> List<List<T>> chunks(List<T> all, int n) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new ArrayList<>());
        for (int i = 0; i < all.size(); i++) out.get(i % n).add(all.get(i));
        return out;
    }

    private static String first(Map<String, String> m, int n) {
        StringBuilder sb = new StringBuilder();
        m.entrySet().stream().limit(n).forEach(e -> sb.append("\n  ").append(e.getKey()).append(" -> ").append(e.getValue()));
        return sb.toString();
    }

    private static String clip(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
