package org.dynalens.indexer.bench;

import org.dynalens.indexer.RunIndex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark's data and queries at a small scale (200 runs x 20 checkpoints): Lucene and SQLite, two
 * independent implementations, must give the same totals, the same run ids in the same order and the same facet
 * counts for every query. The full-size timing run is {@link SearchBenchmark}.
 */
class LuceneSqliteEquivalenceTest {

    @TempDir
    static Path dir;
    static RunIndex index;
    static SqliteRuns sqlite;

    @BeforeAll
    static void load() throws Exception {
        SyntheticSweep sweep = new SyntheticSweep(200, 20, 7);
        index = RunIndex.open(dir.resolve("index"));
        assertEquals(200, index.indexRuns(sweep.all()));
        sqlite = SqliteRuns.create(dir.resolve("runs.sqlite"), sweep.all());
    }

    @AfterAll
    static void close() throws Exception {
        if (index != null) index.close();
        if (sqlite != null) sqlite.close();
    }

    @Test
    void bothStoresGiveTheSameAnswerToEveryQuery() throws Exception {
        for (BenchmarkQuery q : BenchmarkQuery.SET) {
            SearchAnswer lucene = SearchBenchmark.lucene(index, q, 1000);  // every matching run, in order
            SearchAnswer sql = sqlite.answer(q, 1000);
            assertEquals(sql, lucene, q.name());
            assertEquals(lucene.total(), lucene.ids().size(), q.name());
        }
    }

    @Test
    void theQueriesAreSelectiveButNotEmpty() throws Exception {
        // an equivalence over empty answers would prove nothing
        for (BenchmarkQuery q : BenchmarkQuery.SET) {
            long total = sqlite.answer(q, 1).total();
            System.out.println(q.name() + ": " + total + " of 200 runs");
            assertTrue(total > 0, q.name() + " matches no run");
            if (!q.lucene().isEmpty()) assertTrue(total < 200, q.name() + " matches every run");
        }
    }

    @Test
    void theSweepIsDeterministic() {
        SyntheticSweep a = new SyntheticSweep(3, 5, 1), b = new SyntheticSweep(3, 5, 1);
        assertEquals(a.run(2), b.run(2));
        assertEquals(5, a.run(0).checkpoints().size());
    }
}
