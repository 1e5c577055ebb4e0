package org.dynalens.indexer.bench;

import org.dynalens.indexer.RunHit;
import org.dynalens.indexer.RunIndex;
import org.dynalens.indexer.SearchResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The search benchmark (not a unit test): builds a synthetic sweep of runs x checkpoints, indexes it with
 * {@link RunIndex} (through {@code indexRuns}, straight from generated run facts: no HDF5 files are written) and
 * loads it into SQLite ({@link SqliteRuns}), checks that both give the same answers to every query of
 * {@link BenchmarkQuery#SET}, then times the queries on both and prints a Markdown report.
 *
 * <pre>
 * mvn -B -o -pl indexer -am -Pbench test                              # 10,000 runs x 100 checkpoints
 * mvn -B -o -pl indexer -am -Pbench test -Dbench.args="--runs 1000 --checkpoints 20"
 * </pre>
 * Options: {@code --runs N} (10000), {@code --checkpoints N} (100), {@code --iterations N} (300 timed searches per
 * query and store, fewer when one store needs more than {@code --seconds S} (20) for them), {@code --dir DIR}
 * (indexer/target/search-benchmark; emptied first).
 */
public final class SearchBenchmark {

    static final int PAGE = 50;

    private SearchBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = intOption(args, "--runs", 10_000);
        int checkpoints = intOption(args, "--checkpoints", 100);
        int iterations = intOption(args, "--iterations", 300);
        int seconds = intOption(args, "--seconds", 20);
        Path dir = Path.of(option(args, "--dir", "target/search-benchmark"));
        deleteRecursively(dir);
        Files.createDirectories(dir);
        SyntheticSweep sweep = new SyntheticSweep(runs, checkpoints, 42);
        long docs = (long) runs * (checkpoints + 1);
        StringBuilder report = new StringBuilder();
        line(report, "## %,d runs x %,d checkpoints (%,d Lucene documents)%n", runs, checkpoints, docs);
        line(report, "- date: %s; JVM: %s %s, max heap %d MB; available processors: %d%n", LocalDate.now(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());
        line(report, "- load average at start: %s%n", loadAverage());

        Path indexDir = dir.resolve("index");
        try (RunIndex index = RunIndex.open(indexDir)) {
            long t0 = System.nanoTime();
            long cpu0 = processCpuNanos();
            index.indexRuns(sweep.all());
            index.commit();
            double indexSeconds = seconds(t0);
            double indexCpuSeconds = (processCpuNanos() - cpu0) / 1e9;
            line(report, "- Lucene indexing (one thread, generating the runs, committed): %.1f s wall = %,.0f runs/s = "
                    + "%,.0f documents/s; %.1f s CPU of the whole JVM (GC and merges included) = %,.0f documents per "
                    + "CPU-second%n", indexSeconds, runs / indexSeconds, docs / indexSeconds, indexCpuSeconds,
                    docs / indexCpuSeconds);
            line(report, "- Lucene index on disk: %.1f MB%n", sizeMb(indexDir));

            long t1 = System.nanoTime();
            long cpu1 = processCpuNanos();
            try (SqliteRuns sqlite = SqliteRuns.create(dir.resolve("runs.sqlite"), sweep.all())) {
                line(report, "- SQLite load (generating the runs, one transaction, then indexes and ANALYZE): %.1f s wall, "
                        + "%.1f s CPU; file: %.1f MB%n", seconds(t1), (processCpuNanos() - cpu1) / 1e9,
                        sizeMb(dir.resolve("runs.sqlite")));
                System.gc();
                line(report, "- JVM heap used after GC, index and database open: %d MB; peak heap during the run: "
                        + "%d MB%n", usedHeapMb(), peakHeapMb());
                report.append('\n');
                compareAndTime(index, sqlite, iterations, seconds, report);
            }
            line(report, "- load average at end: %s%n", loadAverage());
        }
        System.out.println();
        System.out.println(report);
    }

    /** Checks both stores agree on every query, then times each; appends a table. */
    private static void compareAndTime(RunIndex index, SqliteRuns sqlite, int iterations, int seconds,
                                       StringBuilder report) throws SQLException {
        line(report, "| query | hits | Lucene p50 / p99 | SQLite p50 / p99 | SQLite/Lucene p50 / p99 "
                + "| CPU Lucene p50 / p99 | CPU SQLite p50 / p99 |%n|---|---:|---:|---:|---:|---:|---:|%n");
        // warm-up: the JIT compiles Lucene's and our search code (SQLite is native code); a few seconds of all queries
        long warmUpEnd = System.nanoTime() + 15_000_000_000L;
        for (int round = 0; round < 300 && System.nanoTime() < warmUpEnd; round++) {
            for (BenchmarkQuery q : BenchmarkQuery.SET) lucene(index, q, PAGE);
        }
        for (BenchmarkQuery q : BenchmarkQuery.SET) {
            SearchAnswer lucene = lucene(index, q, PAGE);
            SearchAnswer sql = sqlite.answer(q, PAGE);
            if (!lucene.equals(sql)) {
                throw new IllegalStateException("Lucene and SQLite disagree on '" + q.name() + "':\n  Lucene " + lucene
                        + "\n  SQLite " + sql);
            }
            double[][] luceneMs = time(iterations, seconds, () -> lucene(index, q, PAGE));
            double[][] sqliteMs = time(iterations, seconds, () -> sqlite.answer(q, PAGE));
            double l50 = percentile(luceneMs[0], 50), l99 = percentile(luceneMs[0], 99);
            double s50 = percentile(sqliteMs[0], 50), s99 = percentile(sqliteMs[0], 99);
            line(report, "| %s<br>`%s`%s%s | %,d | %.2f / %.2f ms | %.2f / %.2f ms | %.1fx / %.1fx | %.2f / %.2f ms "
                            + "| %.2f / %.2f ms |%n",
                    q.name(), q.lucene().isEmpty() ? "(empty)" : q.lucene(),
                    q.sort().equals("id") ? "" : " sort `" + q.sort() + "`",
                    q.facets().isEmpty() ? "" : " facets `" + String.join(",", q.facets()) + "`",
                    lucene.total(), l50, l99, s50, s99, s50 / l50, s99 / l99, percentile(luceneMs[1], 50),
                    percentile(luceneMs[1], 99), percentile(sqliteMs[1], 50), percentile(sqliteMs[1], 99));
            System.out.printf("%s: Lucene %d timings, SQLite %d timings%n", q.name(), luceneMs[0].length,
                    sqliteMs[0].length);
        }
        line(report, "%nTimes are per search: total count, the first %d ids (and their stored fields for Lucene), "
                + "and the facet counts asked for. Wall-clock percentiles, then the CPU time of the searching thread "
                + "(SQLite runs in it through JNI), which waiting for a busy CPU does not inflate. Both stores returned "
                + "identical totals, ids and facet counts for every query before timing. Lucene parses a query text "
                + "once per index view and SQLite's statements are prepared once: both reuse their compiled query.%n",
                PAGE);
    }

    /** Lucene's answer through the public search API (parsing, search, stored fields of the page, facets). */
    static SearchAnswer lucene(RunIndex index, BenchmarkQuery q, int limit) {
        SearchResult r = index.search(q.lucene(), q.sort(), 0, limit, q.facets());
        return new SearchAnswer(r.total(), r.hits().stream().map(RunHit::id).toList(), r.facets());
    }

    private interface Search {
        Object run() throws Exception;
    }

    /**
     * Wall-clock and thread-CPU milliseconds ({@code [0]}, {@code [1]}) of each of up to {@code iterations} searches
     * (after a short warm-up), stopping after {@code seconds} once 10 are timed.
     */
    private static double[][] time(int iterations, int seconds, Search search) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try {
            long warmUpEnd = System.nanoTime() + 2_000_000_000L;
            for (int i = 0; i < 20 && System.nanoTime() < warmUpEnd; i++) search.run();
            List<double[]> ms = new ArrayList<>();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            for (int i = 0; i < iterations && (i < 10 || System.nanoTime() < end); i++) {
                long cpu = threads.getCurrentThreadCpuTime();
                long t = System.nanoTime();
                search.run();
                long wall = System.nanoTime() - t;
                ms.add(new double[] {wall / 1e6, (threads.getCurrentThreadCpuTime() - cpu) / 1e6});
            }
            return new double[][] {ms.stream().mapToDouble(m -> m[0]).toArray(), ms.stream().mapToDouble(m -> m[1]).toArray()};
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    static double percentile(double[] values, int p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(rank, sorted.length - 1))];
    }

    private static long usedHeapMb() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }

    private static long peakHeapMb() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) peak += pool.getPeakUsage().getUsed();
        }
        return peak >> 20;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+", 4)[0] + " "
                    + Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+", 4)[1];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static double sizeMb(Path path) throws IOException {
        try (Stream<Path> files = Files.walk(path)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum() / 1048576.0;
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void line(StringBuilder report, String format, Object... args) {
        String s = String.format(Locale.ROOT, format, args);
        report.append(s);
        System.out.print(s);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static String option(String[] args, String name, String defaultValue) {
        for (int i = 0; i < args.length - 1; i++) if (args[i].equals(name)) return args[i + 1];
        return defaultValue;
    }

    private static int intOption(String[] args, String name, int defaultValue) {
        String v = option(args, name, null);
        if (v == null) return defaultValue;
        try {
            return Integer.parseInt(v.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
        }
    }
}
