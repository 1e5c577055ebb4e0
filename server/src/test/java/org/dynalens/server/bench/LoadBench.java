package org.dynalens.server.bench;

import org.dynalens.archive.Archive;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunInfo;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import org.dynalens.server.DynalensServer;
import org.dynalens.server.ServerOptions;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Load benchmark (not a unit test): the search and metrics endpoints under concurrent load on loopback while a run
 * trains in the same JVM, against training alone. Bounded: a fixed number of training steps per phase and at most
 * {@code MAX_LOAD_SECONDS} of load. Prints a Markdown table for docs/PERFORMANCE.md. See that file for the command.
 *
 * <p>Arguments (optional): {@code clients} (default 8), {@code steps} per training phase (default 100), {@code p}
 * of the training run (default 113, the grokking configuration).
 */
public final class LoadBench {

    static final int MAX_LOAD_SECONDS = 120;
    static final int WARM_UP_SECONDS = 30;

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int p = args.length > 2 ? Integer.parseInt(args[2]) : 113;
        Path dir = Files.createTempDirectory("dynalens-bench-");
        try {
            run(dir, clients, steps, p);
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path f : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }

    private static void run(Path dir, int clients, int steps, int p) throws Exception {
        Archive archive = Archive.open(dir);
        System.out.println("setting up: 20 small runs to search, and a 20,000-row metric series ...");
        for (int seed = 0; seed < 20; seed++) {
            TrainingRun.train(RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.5, "steps", 10,
                    "checkpoint_every", 10, "seed", seed)), archive, new TrainingListener() {
            });
        }
        // a long run's metrics.h5 (20,000 evaluations of 6 metrics), written directly: the endpoint reads only it
        String metricsRun = archive.runIds().get(0);
        MetricSeries long_ = new MetricSeries();
        for (int step = 0; step < 20_000; step++) {
            Map<String, Double> row = new LinkedHashMap<>();
            for (String m : List.of("train_loss", "test_loss", "train_acc", "test_acc", "sum_sq_weights", "lr")) {
                row.put(m, Math.exp(-step / 5000.0) + 0.01 * Math.sin(step + m.length()));
            }
            long_.append(step, row);
        }
        archive.run(metricsRun).writeMetrics(long_);
        LoadClient client = Wrk.available() ? new Wrk() : new JavaClient();
        System.out.println("load generator: " + client.describe(clients));
        try (RunIndex index = RunIndex.open(archive.indexDir())) {
            index.reindex(archive);
            try (DynalensServer server = new DynalensServer(archive, index, ServerOptions.defaults().withPort(0))) {
                int port = server.start();
                String base = "http://127.0.0.1:" + port;
                List<String> paths = List.of("/api/runs?q=task:mod-add%20AND%20seed:[0%20TO%2010]&sort=-seed",
                        "/api/runs/" + metricsRun + "/metrics?max_points=200");

                // warm up the server and the JIT, then measure each endpoint alone. 5 s was not enough: C2 was still
                // compiling the Lucene and Jackson paths and search measured ~1,700 req/s against ~5,000 once warm
                client.load(base, paths, clients, WARM_UP_SECONDS, null);
                Map<String, Stats> searchAlone = client.load(base, List.of(paths.get(0)), clients, 10, null);
                Map<String, Stats> metricsAlone = client.load(base, List.of(paths.get(1)), clients, 10, null);

                System.out.println();
                System.out.println("| scenario | endpoint | requests | req/s | p50 ms | p99 ms | errors |");
                System.out.println("|---|---|---:|---:|---:|---:|---:|");
                print("no training", searchAlone);
                print("no training", metricsAlone);
                double alone = train(archive, p, steps, 100);
                // training stays on this thread: DJL/PyTorch grad mode is per thread (Djl.newManager switches it off
                // on other threads); the load runs on other threads instead
                AtomicBoolean training = new AtomicBoolean(true);
                ExecutorService loader = Executors.newSingleThreadExecutor();
                Future<Map<String, Stats>> loadResult = loader.submit(() -> client.load(base, paths, clients, MAX_LOAD_SECONDS, training));
                double withLoad;
                try {
                    withLoad = train(archive, p, steps, 101);
                } finally {
                    training.set(false);
                }
                Map<String, Stats> underTraining = loadResult.get();
                loader.shutdown();
                print("while training", underTraining);
                // what a person watching the run causes: the run page polls a few endpoints, here 20 req/s
                training.set(true);
                loader = Executors.newSingleThreadExecutor();
                Future<Map<String, Stats>> lightResult = loader.submit(() -> paced(base, paths, 20, training));
                double withLightLoad;
                try {
                    withLightLoad = train(archive, p, steps, 102);
                } finally {
                    training.set(false);
                }
                print("while training (20 req/s)", lightResult.get());
                loader.shutdown();
                System.out.println();
                System.out.printf("training p=%d, %d steps: %.1f ms/step alone, %.1f ms/step under full load (%+.1f%%), "
                                + "%.1f ms/step under 20 req/s (%+.1f%%)%n", p, steps, alone, withLoad,
                        100 * (withLoad / alone - 1), withLightLoad, 100 * (withLightLoad / alone - 1));
                System.out.printf("clients: %d concurrent HTTP/1.1 connections (%s); cores: %d%n", clients,
                        client.describe(clients), Runtime.getRuntime().availableProcessors());
            }
        }
    }

    /** Mean ms per training step of a fresh run (the first 5 steps, JIT and allocator warm-up, not counted). */
    private static double train(Archive archive, int p, int steps, long seed) {
        List<Long> stamps = new ArrayList<>();
        TrainingRun.train(RunConfig.fromMap(Map.of("p", p, "train_fraction", 0.3, "steps", steps,
                "checkpoint_every", 50, "seed", seed)), archive, new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss) {
                stamps.add(System.nanoTime());
            }

            @Override
            public void onStart(RunInfo info, long startStep, long totalSteps) {
                stamps.clear();
            }
        });
        int from = Math.min(5, stamps.size() - 2);
        return (stamps.get(stamps.size() - 1) - stamps.get(from)) / 1e6 / (stamps.size() - 1 - from);
    }

    /** One endpoint's result: throughput and latency percentiles in ms. */
    record Stats(String path, long requests, long errors, double seconds, double p50Ms, double p99Ms) {
        double perSecond() {
            return requests / seconds;
        }

        /** One Stats per path from its measured latencies and its error count ({@code errors[i]} for path i). */
        static Map<String, Stats> byPath(List<String> paths, Map<String, List<Long>> latenciesNs, int[] errors,
                                         double seconds) {
            Map<String, Stats> out = new LinkedHashMap<>();
            for (int i = 0; i < paths.size(); i++) {
                String path = paths.get(i);
                out.put(path, of(path, errors[i], seconds, latenciesNs.get(path).stream().mapToLong(Long::longValue).toArray()));
            }
            return out;
        }

        static Stats of(String path, long errors, double seconds, long[] latenciesNs) {
            long[] sorted = latenciesNs.clone();
            Arrays.sort(sorted);
            return new Stats(path, sorted.length, errors, seconds, percentileMs(sorted, 0.5), percentileMs(sorted, 0.99));
        }

        private static double percentileMs(long[] sorted, double q) {
            if (sorted.length == 0) return Double.NaN;
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
        }
    }

    /** Generates load on {@code paths} for {@code seconds}, or, when {@code whileTrue} is given, until it turns false. */
    interface LoadClient {
        Map<String, Stats> load(String base, List<String> paths, int clients, int seconds, AtomicBoolean whileTrue)
                throws Exception;

        String describe(int clients);
    }

    /**
     * wrk (Debian package {@code wrk}), a C load generator: costs the machine far less per request than a Java client,
     * so the numbers are the server's. One wrk process per path, run side by side; under {@code whileTrue} in 3 s
     * rounds (summed; p50 averaged, p99 the worst round's).
     */
    static final class Wrk implements LoadClient {
        static boolean available() {
            try {
                Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                p.waitFor();
                return true;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }

        @Override
        public String describe(int clients) {
            return "wrk, 1 thread per path, " + clients + " connections split over the paths";
        }

        @Override
        public Map<String, Stats> load(String base, List<String> paths, int clients, int seconds, AtomicBoolean whileTrue)
                throws Exception {
            Map<String, List<Stats>> rounds = new LinkedHashMap<>();
            for (String path : paths) rounds.put(path, new ArrayList<>());
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            do {
                int roundSeconds = whileTrue == null ? seconds : 3;
                List<Process> running = new ArrayList<>();
                for (String path : paths) {
                    int connections = Math.max(1, clients / paths.size());
                    running.add(new ProcessBuilder("wrk", "-t1", "-c" + connections, "-d" + roundSeconds + "s",
                            "--latency", base + path).redirectErrorStream(true).start());
                }
                for (int i = 0; i < paths.size(); i++) {
                    String out = new String(running.get(i).getInputStream().readAllBytes());
                    running.get(i).waitFor();
                    rounds.get(paths.get(i)).add(parse(paths.get(i), out));
                }
            } while (whileTrue != null && whileTrue.get() && System.nanoTime() < deadline);
            Map<String, Stats> out = new LinkedHashMap<>();
            rounds.forEach((path, list) -> out.put(path, new Stats(path,
                    list.stream().mapToLong(Stats::requests).sum(), list.stream().mapToLong(Stats::errors).sum(),
                    list.stream().mapToDouble(Stats::seconds).sum(),
                    list.stream().mapToDouble(Stats::p50Ms).average().orElse(Double.NaN),
                    list.stream().mapToDouble(Stats::p99Ms).max().orElse(Double.NaN))));
            return out;
        }

        static Stats parse(String path, String out) {
            Matcher total = Pattern
                    .compile("(\\d+) requests in ([\\d.]+)(us|ms|s|m)").matcher(out);
            if (!total.find()) throw new IllegalStateException("unexpected wrk output:\n" + out);
            long errors = 0;
            Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
            if (non2xx.find()) errors += Long.parseLong(non2xx.group(1));
            Matcher socket = Pattern
                    .compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(out);
            if (socket.find()) for (int g = 1; g <= 4; g++) errors += Long.parseLong(socket.group(g));
            return new Stats(path, Long.parseLong(total.group(1)), errors, ms(total.group(2), total.group(3)) / 1e3,
                    percentile(out, "50%"), percentile(out, "99%"));
        }

        private static double percentile(String out, String label) {
            Matcher m = Pattern
                    .compile("\\s" + label + "\\s+([\\d.]+)(us|ms|s|m)").matcher(out);
            return m.find() ? ms(m.group(1), m.group(2)) : Double.NaN;
        }

        private static double ms(String value, String unit) {
            double v = Double.parseDouble(value);
            return switch (unit) {
                case "us" -> v / 1e3;
                case "ms" -> v;
                case "s" -> v * 1e3;
                default -> v * 60e3;
            };
        }
    }

    /** Java HttpClient threads in this JVM (when wrk is not installed): the client shares the server's cores. */
    static final class JavaClient implements LoadClient {
        @Override
        public String describe(int clients) {
            return "Java HttpClient threads in the server's JVM";
        }

        @Override
        public Map<String, Stats> load(String base, List<String> paths, int clients, int seconds, AtomicBoolean whileTrue)
                throws Exception {
            long start = System.nanoTime();
            long deadline = start + seconds * 1_000_000_000L;
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<Map<String, List<Long>>>> futures = new ArrayList<>();
            int[] errors = new int[paths.size()];
            for (int c = 0; c < clients; c++) {
                int offset = c;
                futures.add(pool.submit(() -> {
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(5)).build();
                    Map<String, List<Long>> lat = new LinkedHashMap<>();
                    for (String path : paths) lat.put(path, new ArrayList<>());
                    for (int i = offset; System.nanoTime() < deadline && (whileTrue == null || whileTrue.get()); i++) {
                        String path = paths.get(i % paths.size());
                        long t0 = System.nanoTime();
                        if (!get(client, base + path)) {
                            synchronized (errors) {
                                errors[paths.indexOf(path)]++;
                            }
                        }
                        lat.get(path).add(System.nanoTime() - t0);
                    }
                    return lat;
                }));
            }
            Map<String, List<Long>> all = new LinkedHashMap<>();
            for (String path : paths) all.put(path, new ArrayList<>());
            for (Future<Map<String, List<Long>>> f : futures) f.get().forEach((k, v) -> all.get(k).addAll(v));
            pool.shutdown();
            return Stats.byPath(paths, all, errors, (System.nanoTime() - start) / 1e9);
        }
    }

    /** {@code perSecond} requests a second, spread over {@code paths}, one at a time, until {@code whileTrue} turns false. */
    private static Map<String, Stats> paced(String base, List<String> paths, int perSecond, AtomicBoolean whileTrue) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Map<String, List<Long>> lat = new LinkedHashMap<>();
        int[] errors = new int[paths.size()];
        for (String path : paths) lat.put(path, new ArrayList<>());
        long start = System.nanoTime();
        long intervalNs = 1_000_000_000L / perSecond;
        for (long i = 0; whileTrue.get(); i++) {
            long due = start + i * intervalNs;
            long wait = due - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            String path = paths.get((int) (i % paths.size()));
            long t0 = System.nanoTime();
            if (!get(client, base + path)) errors[paths.indexOf(path)]++;
            lat.get(path).add(System.nanoTime() - t0);
        }
        return Stats.byPath(paths, lat, errors, (System.nanoTime() - start) / 1e9);
    }

    private static boolean get(HttpClient client, String url) {
        try {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void print(String scenario, Map<String, Stats> stats) {
        for (Stats s : stats.values()) {
            String endpoint = s.path().startsWith("/api/runs?") ? "search" : "metrics";
            System.out.printf("| %s | %s `%s` | %d | %.0f | %.1f | %.1f | %d |%n", scenario, endpoint,
                    s.path().replaceAll("/api/runs/[^/]+/", "/api/runs/RUN/"), s.requests(), s.perSecond(),
                    s.p50Ms(), s.p99Ms(), s.errors());
        }
    }
}
