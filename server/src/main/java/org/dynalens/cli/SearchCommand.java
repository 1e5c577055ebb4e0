package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunHit;
import org.dynalens.indexer.RunIndex;
import org.dynalens.indexer.SearchResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code dynalens search 'QUERY'}: prints matching runs as a table. */
@Command(name = "search", description = "Search runs with Lucene syntax, e.g. 'task:mod-add AND test_loss:[0 TO 0.1]'.")
final class SearchCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;
    @Parameters(index = "0", arity = "0..1", defaultValue = "", paramLabel = "QUERY", description = "Query (empty: all runs).")
    String query;
    @Option(names = "--sort", description = "Numeric field to sort by (e.g. test_loss, grok_step, lr); prefix '-' for "
            + "descending.")
    String sort;
    @Option(names = "--limit", defaultValue = "50", description = "Runs per page (default: ${DEFAULT-VALUE}).")
    int limit;
    @Option(names = "--page", defaultValue = "0", description = "Page to print, 0 for the first (default: ${DEFAULT-VALUE}).")
    int page;
    @Option(names = "--facets", split = ",", paramLabel = "FIELD[,FIELD...]", description = "Count the values of these "
            + "fields over all matching runs, e.g. task,seed,tag,key_freqs (keyword or numeric fields).")
    List<String> facets;

    @Override
    public Integer call() {
        if (limit < 0) throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        if (page < 0) throw new IllegalArgumentException("--page must be >= 0, got " + page);
        if ((long) page * limit > Integer.MAX_VALUE - limit) throw new IllegalArgumentException("--page is too large");
        Archive a = archive.open();
        Indexes.ensureBuilt(a);
        try (RunIndex index = RunIndex.openReadOnly(a.indexDir())) {
            SearchResult result = index.search(query, sort, page * limit, limit, facets == null ? List.of() : facets);
            System.out.printf("%-40s %-10s %5s %-9s %8s %12s %12s%n", "run", "task", "seed", "status", "step",
                    "train_loss", "test_loss");
            for (RunHit hit : result.hits()) {
                var f = hit.fields();
                System.out.printf("%-40s %-10s %5s %-9s %8s %12s %12s%n", hit.id(), f.getOrDefault("task", ""),
                        number(f.get("seed")), f.getOrDefault("status", ""), number(f.get("latest_step")),
                        number(f.get("train_loss")), number(f.get("test_loss")));
            }
            long first = (long) page * limit;
            if (result.hits().isEmpty() || page == 0 && result.hits().size() == result.total()) {
                System.out.println(result.total() + " run(s) match");
            } else {
                System.out.println(result.total() + " run(s) match; showing " + (first + 1) + "-"
                        + (first + result.hits().size()) + " (page " + page + ")");
            }
            result.facets().forEach((field, counts) -> {
                StringBuilder line = new StringBuilder(field).append(':');
                if (counts.isEmpty()) line.append(" (none)");
                counts.forEach((value, count) -> line.append(' ').append(value).append('=').append(count));
                System.out.println(line);
            });
        }
        return 0;
    }

    private static String number(Object v) {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e12 ? String.valueOf((long) d) : String.format("%.4g", d);
        }
        return v == null ? "" : v.toString();
    }
}
