package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunHit;
import org.dynalens.indexer.RunIndex;
import org.dynalens.indexer.SearchResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code dynalens search 'QUERY'}: prints matching runs as a table. */
@Command(name = "search", description = "Search runs with Lucene syntax, e.g. 'task:mod-add AND test_loss:[0 TO 0.1]'.")
final class SearchCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;
    @Parameters(index = "0", arity = "0..1", defaultValue = "", paramLabel = "QUERY", description = "Query (empty: all runs).")
    String query;
    @Option(names = "--sort", description = "Numeric field to sort by; prefix '-' for descending.")
    String sort;
    @Option(names = "--limit", defaultValue = "50", description = "Maximum runs to print (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
        Archive a = archive.open();
        Indexes.ensureBuilt(a);
        try (RunIndex index = RunIndex.openReadOnly(a.indexDir())) {
            SearchResult result = index.search(query, sort, 0, limit);
            System.out.printf("%-40s %-10s %5s %-9s %8s %12s %12s%n", "run", "task", "seed", "status", "step",
                    "train_loss", "test_loss");
            for (RunHit hit : result.hits()) {
                var f = hit.fields();
                System.out.printf("%-40s %-10s %5s %-9s %8s %12s %12s%n", hit.id(), f.getOrDefault("task", ""),
                        number(f.get("seed")), f.getOrDefault("status", ""), number(f.get("last_step")),
                        number(f.get("train_loss")), number(f.get("test_loss")));
            }
            System.out.println(result.total() + " run(s) match");
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
