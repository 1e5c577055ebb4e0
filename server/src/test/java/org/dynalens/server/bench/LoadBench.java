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
        try (RunIndex index = RunIndex.open(archive.indexDir())) {
            index.reindex(archive);
            try (DynalensServer server = new DynalensServer(archive, index, ServerOptions.defaults().withPort(0))) {
                int port = server.start();
                String base = "http://127.0.0.1:" + port;
                List<String> paths = List.of("/api/runs?q=task:mod-add%20AND%20seed:[0%20TO%2010]&sort=-seed",
                        "/api/runs/" + metricsRun + "/metrics?max_points=200");

                // warm up the server and the JIT, then measure each endpoint alone
                load(base, paths, clients, 5, null);
                Map<String, Stats> searchAlone = load(base, List.of(paths.get(0)), clients, 10, null);
                Map<String, Stats> metricsAlone = load(base, List.of(paths.get(1)), clients, 10, null);

                System.out.println();
                System.out.println("| scenario | endpoint | requests | req/s | p50 ms | p99 ms | errors |");
                System.out.println("|---|---|---:|---:|---:|---:|---:|");
                print("no training", searchAlone);
                print("no training", metricsAlone);
                double alone = train(archive, p, steps, 100);
                // training stays on this thread: DJL/PyTorch grad mode is per thread, and TrainingRun on a fresh
                // thread failed in AdamW ("a leaf Variable that requires grad is being used in an in-place
                // operation"); the load runs on other threads instead
                AtomicBoolean training = new AtomicBoolean(true);
                ExecutorService loader = Executors.newSingleThreadExecutor();
                Future<Map<String, Stats>> loadResult = loader.submit(() -> load(base, paths, clients, MAX_LOAD_SECONDS, training));
                double withLoad;
                try {
                    withLoad = train(archive, p, steps, 101);
                } finally {
                    training.set(false);
                }
                Map<String, Stats> underTraining = loadResult.get();
                loader.shutdown();
                print("while training", underTraining);
                System.out.println();
                System.out.printf("training p=%d, %d steps: %.1f ms/step alone, %.1f ms/step under load (%+.1f%%)%n",
                        p, steps, alone, withLoad, 100 * (withLoad / alone - 1));
                System.out.printf("clients: %d concurrent HTTP/1.1 connections in this JVM; cores: %d%n", clients,
                        Runtime.getRuntime().availableProcessors());
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

    record Stats(String path, int requests, int errors, double seconds, long[] latenciesNs) {
        double perSecond() {
            return requests / seconds;
        }

        double percentileMs(double q) {
            if (latenciesNs.length == 0) return Double.NaN;
            long[] sorted = latenciesNs.clone();
            Arrays.sort(sorted);
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
        }
    }

    /**
     * {@code clients} threads, each with its own connection, cycle through {@code paths} until {@code seconds} pass
     * or, when {@code whileTrue} is given, until it turns false.
     */
    private static Map<String, Stats> load(String base, List<String> paths, int clients, int seconds,
                                           AtomicBoolean whileTrue) throws Exception {
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
                    try {
                        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(base + path))
                                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() != 200) {
                            synchronized (errors) {
                                errors[paths.indexOf(path)]++;
                            }
                        }
                    } catch (IOException e) {
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
        double elapsed = (System.nanoTime() - start) / 1e9;
        Map<String, Stats> out = new LinkedHashMap<>();
        for (int i = 0; i < paths.size(); i++) {
            String path = paths.get(i);
            long[] ns = all.get(path).stream().mapToLong(Long::longValue).toArray();
            out.put(path, new Stats(path, ns.length, errors[i], elapsed, ns));
        }
        return out;
    }

    private static void print(String scenario, Map<String, Stats> stats) {
        for (Stats s : stats.values()) {
            String endpoint = s.path().startsWith("/api/runs?") ? "search" : "metrics";
            System.out.printf("| %s | %s `%s` | %d | %.0f | %.1f | %.1f | %d |%n", scenario, endpoint,
                    s.path().replaceAll("/api/runs/[^/]+/", "/api/runs/RUN/"), s.requests(), s.perSecond(),
                    s.percentileMs(0.5), s.percentileMs(0.99), s.errors());
        }
    }
}
