package org.dynalens.indexer;

import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;
import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real archive of four runs and a real Lucene index in a temporary directory:
 * <pre>
 * r1 mod-add        seed 0  lr 1e-3  p 113  finished  tags grok, baseline  test_loss 4.7 -> 2.0 -> 0.05, key_freqs
 * r2 mod-add        seed 1  lr 3e-4  p 113  running   tags baseline        test_loss 3.0
 * r3 mod-sub        seed 2  lr 1e-4  p 97   finished                       test_loss 0.08
 * r4 sparse-parity  seed 3  lr 1e-2         failed                         test_loss 0.5
 * </pre>
 */
class RunIndexTest {

    @TempDir
    Path tmp;

    private Archive archive;
    private RunIndex index;

    @BeforeEach
    void setUp() {
        archive = Archive.open(tmp.resolve("archive"));
        run("r1", "mod-add", 0, Map.of("p", 113, "lr", 1e-3, "frac", 0.3, "weight_decay", 1.0, "steps", 1000,
                        "optimizer", "adamw"),
                Map.of("status", "finished", "tags", List.of("grok", "baseline"), "grok_step", 600,
                        "notes", "Clean grokking at step 600"),
                new long[] {0, 500, 1000}, new double[] {4.7, 2.0, 0.05});
        run("r2", "mod-add", 1, Map.of("p", 113, "lr", 3e-4, "steps", 1000),
                Map.of("status", "running", "tags", List.of("baseline")), new long[] {0, 100}, new double[] {4.7, 3.0});
        run("r3", "mod-sub", 2, Map.of("p", 97, "lr", 1e-4), Map.of("status", "finished"),
                new long[] {0, 2000}, new double[] {4.6, 0.08});
        run("r4", "sparse-parity", 3, Map.of("lr", 1e-2, "n_bits", 40), Map.of("status", "failed"),
                new long[] {50}, new double[] {0.5});
        index = RunIndex.open(tmp.resolve("index"));
        for (String id : archive.runIds()) index.indexRun(archive.run(id));
    }

    @AfterEach
    void tearDown() {
        if (index != null) index.close();
    }

    private void run(String id, String task, long seed, Map<String, Object> config, Map<String, Object> summary,
                     long[] steps, double[] testLoss) {
        RunArchive run = archive.createRun(new RunInfo(id, task, seed, Instant.parse("2026-01-0" + (seed + 1) + "T00:00:00Z"),
                config, Map.of("trainer", "test"), summary));
        for (int i = 0; i < steps.length; i++) {
            Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
            tensors.put("params/embed.W_E", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
            // key frequencies appear only at the last checkpoint of r1
            if (id.equals("r1") && i == steps.length - 1) {
                tensors.put("analysis/key_freqs", Tensor.vector(new int[] {14, 35, 41}));
            }
            run.writeCheckpoint(new Checkpoint(steps[i], tensors,
                    Map.of("test_loss", testLoss[i], "train_loss", testLoss[i] / 2)));
        }
    }

    private List<String> ids(String query) {
        return ids(index.search(query, "id", 0, 100));
    }

    private static List<String> ids(SearchResult r) {
        return r.hits().stream().map(RunHit::id).toList();
    }

    // ---- query syntax -------------------------------------------------------------------------------------------

    @Test
    void numericRangesAcceptScientificNotation() {
        assertEquals(List.of("r1", "r2", "r3"), ids("lr:[1e-4 TO 1e-3]"));
        assertEquals(List.of("r2"), ids("lr:[2e-4 TO 5E-4]"));
        assertEquals(List.of("r2", "r3"), ids("lr:[1e-4 TO 1e-3}"));
        assertEquals(List.of("r1"), ids("lr:1e-3"));
        assertEquals(List.of("r1"), ids("lr:0.001"));
        assertEquals(List.of("r2", "r3"), ids("lr<1e-3"));
        assertEquals(List.of("r1", "r2"), ids("p:113"));
        assertEquals(List.of("r3", "r4"), ids("lr:[* TO 1e-4] OR lr:[5e-3 TO *]"));
        assertEquals(List.of("r1"), ids("weight_decay:[0.5 TO 2] AND frac:0.3"));
        assertEquals(List.of("r1"), ids("grok_step:[500 TO 700]"));
    }

    @Test
    void seedIsALongFieldThatTakesExactValuesAndRanges() {
        assertEquals(List.of("r1"), ids("seed:0"));
        assertEquals(List.of("r1", "r2", "r3"), ids("seed:[0 TO 2]"));
        assertEquals(List.of("r4"), ids("seed>=3"));
        assertEquals(List.of("r1", "r2"), ids("created:[* TO " + Instant.parse("2026-01-02T00:00:00Z").toEpochMilli() + "]"));
    }

    @Test
    void runMetricsAreThoseOfTheLatestCheckpoint() {
        // r1's test loss was 4.7 and 2.0 at earlier checkpoints: only the latest counts for the run
        assertEquals(List.of("r1", "r3"), ids("test_loss:[0 TO 0.1]"));
        assertEquals(List.of(), ids("test_loss:[1.9 TO 2.1]"), "checkpoint documents are never returned");
        assertEquals(List.of("r2"), ids("test_loss:[2.5 TO 5]"));
        assertEquals(List.of("r1"), ids("key_freqs:14 AND key_freqs:41"));
        assertEquals(List.of("r1"), ids("latest_step:1000 AND checkpoints:3"));
    }

    @Test
    void booleanOperatorsAndParentheses() {
        assertEquals(List.of("r1"), ids("task:mod-add AND test_loss:[0 TO 0.1]"));
        assertEquals(List.of("r3", "r4"), ids("task:mod-sub OR task:sparse-parity"));
        assertEquals(List.of("r3", "r4"), ids("NOT task:mod-add"));
        assertEquals(List.of("r3", "r4"), ids("-task:mod-add"));
        assertEquals(List.of("r1"), ids("task:mod-add AND NOT status:running"));
        assertEquals(List.of("r2", "r3"), ids("(task:mod-add OR task:mod-sub) AND seed:[1 TO 5]"));
        assertEquals(List.of("r1", "r4"), ids("(NOT task:mod*) OR tag:grok"));
        assertEquals(List.of("r1"), ids("task:mod-add test_loss:[0 TO 0.1]"), "terms without an operator are ANDed");
    }

    @Test
    void keywordsMatchExactlyAndWithWildcards() {
        assertEquals(List.of("r1", "r2", "r3"), ids("task:mod*"));
        assertEquals(List.of("r4"), ids("task:*parity"));
        assertEquals(List.of("r1", "r2"), ids("task:mod-?dd"));
        assertEquals(List.of(), ids("task:mod"), "keywords are not split at the hyphen");
        assertEquals(List.of(), ids("task:MOD-ADD"), "keywords are case-sensitive");
        assertEquals(List.of("r1", "r2"), ids("tag:baseline"));
        assertEquals(List.of("r1"), ids("optimizer:adamw"));
        assertEquals(List.of("r1"), ids("id:r1"));
    }

    @Test
    void bareWordsSearchIdTaskTagsAndNotes() {
        assertEquals(List.of("r1"), ids("grokking"));
        assertEquals(List.of("r1"), ids("Grok"));
        assertEquals(List.of("r4"), ids("parity"));
        assertEquals(List.of("r3"), ids("r3"));
    }

    @Test
    void blankQueryMatchesEveryRun() {
        for (String q : new String[] {"", "   ", null, "*:*"}) {
            SearchResult r = index.search(q, "id", 0, 100);
            assertEquals(4, r.total(), "query " + q);
            assertEquals(List.of("r1", "r2", "r3", "r4"), ids(r));
        }
    }

    // ---- checkpoint conditions lifted to runs ---------------------------------------------------------------------

    @Test
    void hasCheckpointMatchesRunsWithACheckpointMeetingTheConditions() {
        assertEquals(List.of("r1", "r3"), ids("has_checkpoint:(test_loss:[0 TO 0.1])"));
        assertEquals(List.of("r1", "r3"), ids("has_checkpoint:(test_loss:[0 TO 1e-1])"), "scientific notation");
        // r1 had test loss 2.0 at step 500: a past checkpoint, which the run's own (latest) test_loss does not show
        assertEquals(List.of("r1"), ids("has_checkpoint:(test_loss:[1.9 TO 2.1])"));
        assertEquals(List.of(), ids("test_loss:[1.9 TO 2.1]"));
        assertEquals(List.of("r4"), ids("has_checkpoint:(step:50)"));
        assertEquals(List.of("r1", "r2", "r3"), ids("has_checkpoint:(step:0)"));
        assertEquals(List.of("r1"), ids("has_checkpoint:(key_freqs:14 AND step:1000)"));
        assertEquals(List.of(), ids("has_checkpoint:(key_freqs:14 AND step:500)"), "key frequencies only at step 1000");
    }

    @Test
    void allConditionsOfAGroupHoldOnTheSameCheckpoint() {
        // r1 reached test loss 0.05 at step 1000 only; r3 reached 0.08 at step 2000
        assertEquals(List.of("r1"), ids("has_checkpoint:(test_loss:[0 TO 0.1] AND step:[0 TO 1500])"));
        assertEquals(List.of(), ids("has_checkpoint:(test_loss:[0 TO 0.1] AND step:[0 TO 600])"),
                "no single checkpoint has both");
        assertEquals(List.of("r1", "r3"), ids("has_checkpoint:(test_loss:[0 TO 0.1]) AND has_checkpoint:(step:[0 TO 600])"),
                "two groups may be met by two different checkpoints");
        assertEquals(List.of("r4"), ids("has_checkpoint:((step:0 OR step:50) AND test_loss:[0 TO 1])"));
        assertEquals(List.of("r1", "r2", "r3"), ids("has_checkpoint:(NOT test_loss:[0 TO 4])"),
                "NOT inside a group: a checkpoint whose test loss is above 4");
    }

    @Test
    void hasCheckpointCombinesWithRunConditions() {
        assertEquals(List.of("r1"), ids("task:mod-add AND has_checkpoint:(test_loss:[0 TO 0.1] AND step:[0 TO 10000]) "
                + "AND key_freqs:14"), "the example from the issue");
        assertEquals(List.of("r3", "r4"), ids("has_checkpoint:(step:50) OR task:mod-sub"));
        assertEquals(List.of("r2"), ids("task:mod* AND NOT has_checkpoint:(test_loss:[0 TO 0.1])"));
        assertEquals(List.of("r2"), ids("task:mod* -has_checkpoint:(test_loss:[0 TO 0.1])"));
        assertEquals(List.of("r2", "r4"), ids("NOT has_checkpoint:(test_loss:[0 TO 0.1])"));
        assertEquals(List.of("r3", "r4"), ids("(has_checkpoint:(step:50) OR (task:mod-sub AND lr:[1e-5 TO 1e-3]))"));
        assertEquals(List.of("r3", "r1"), ids(index.search("has_checkpoint:(test_loss:[0 TO 0.1])", "-seed", 0, 10)));
        assertEquals(List.of("r1"), ids("grokking has_checkpoint:(step:500)"), "with a bare word for the run text");
    }

    @Test
    void hasCheckpointSeesOnlyCheckpointDocuments() {
        // the run document also holds the latest metrics and latest_step: a group never matches it
        assertEquals(List.of(), ids("has_checkpoint:(latest_step:1000)"));
        assertEquals(List.of(), ids("has_checkpoint:(task:mod-add)"));
        assertEquals(List.of("r1", "r2", "r3", "r4"), ids("has_checkpoint:(*:*)"));
        assertEquals(List.of("r1", "r2", "r3", "r4"), ids("has_checkpoint:(run_id:r*)"));
    }

    @Test
    void malformedHasCheckpointGroupsSayWhatAndWhere() {
        assertQueryError("has_checkpoint:(test_loss:[0 TO 0.1]", 15, "never closed");
        assertQueryError("has_checkpoint:test_loss:1", 15, "needs its conditions in parentheses");
        assertQueryError("has_checkpoint:", 15, "needs its conditions in parentheses");
        assertQueryError("has_checkpoint:( )", 0, "empty has_checkpoint");
        assertQueryError("has_checkpoint:(test_loss:[0 TO)", 31, "unexpected end of has_checkpoint group at position 31");
        String twoOps = "seed:1 AND has_checkpoint:(step:[0 TO 10] AND AND step:1)";
        assertQueryError(twoOps, twoOps.indexOf("AND AND") + 4, "unexpected 'AND' at position " + (twoOps.indexOf("AND AND") + 4));
        assertQueryError("has_checkpoint:(test_loss:[abc TO 1])", 27, "'abc' is not a number");
        assertQueryError("has_checkpoint:(grokking)", 16, "without a field");
        assertQueryError("has_checkpoint:(step:0 AND has_checkpoint:(step:1))", 27, "do not nest");
        assertQueryError("has_checkpoint:(step:0) AND", 27, "unexpected end of query at position 27");
        assertQueryError("has_checkpoint:(step:0) AND AND seed:1", 28, "unexpected 'AND' at position 28");
        assertQueryError("has_checkpoint:(task:\"mod)", 15, "never closed");
        assertQueryError("lr:[1e-4 TO 1e-3] has_checkpoint:(step:0))", 41, "unexpected ')' at position 41");
    }

    @Test
    void parenthesesInPhrasesRegexesAndEscapesDoNotCloseAGroup() {
        assertEquals(List.of("r1"), ids("has_checkpoint:(key_freqs:/(14|99)/ AND step:1000)"));
        assertEquals(List.of("r1"), ids("has_checkpoint:(key_freqs:\"14\" AND NOT key_freqs:\"(\")"));
        assertEquals(List.of("r1"), ids("has_checkpoint:(key_freqs:14 AND NOT key_freqs:\\))"));
        assertEquals(List.of(), ids("\"has_checkpoint:(step:0)\""), "inside a phrase it is just words");
    }

    private void assertQueryError(String query, int position, String message) {
        QueryException e = assertThrows(QueryException.class, () -> index.search(query, null, 0, 10), query);
        assertEquals(position, e.position(), query + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(message), query + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    // ---- sorting, paging, facets, hits --------------------------------------------------------------------------

    @Test
    void sortsByAnyNumericFieldBothWays() {
        assertEquals(List.of("r1", "r3", "r4", "r2"), ids(index.search("", "test_loss", 0, 10)));
        assertEquals(List.of("r2", "r4", "r3", "r1"), ids(index.search("", "-test_loss", 0, 10)));
        assertEquals(List.of("r3", "r2", "r1", "r4"), ids(index.search("", "lr", 0, 10)));
        assertEquals(List.of("r4", "r3", "r2", "r1"), ids(index.search(null, "-seed", 0, 10)));
        // runs without the field come last either way; equal values tie-break by id
        assertEquals(List.of("r3", "r1", "r2", "r4"), ids(index.search("", "p", 0, 10)));
        assertEquals(List.of("r1", "r2", "r3", "r4"), ids(index.search("", "-p", 0, 10)));
        assertEquals(List.of("r4", "r3", "r2", "r1"), ids(index.search("", "-id", 0, 10)));
    }

    @Test
    void unknownOrNonNumericSortFieldIsAQueryError() {
        QueryException e = assertThrows(QueryException.class, () -> index.search("", "nope", 0, 10));
        assertTrue(e.getMessage().contains("unknown sort field 'nope'"), e.getMessage());
        assertTrue(e.getMessage().contains("test_loss"), "lists the sortable fields: " + e.getMessage());
        assertThrows(QueryException.class, () -> index.search("", "-task", 0, 10));
    }

    @Test
    void pagesThroughHitsWithAStableTotal() {
        SearchResult page = index.search("", "id", 1, 2);
        assertEquals(4, page.total());
        assertEquals(List.of("r2", "r3"), ids(page));
        assertEquals(List.of("r4"), ids(index.search("", "id", 3, 2)));
        SearchResult beyond = index.search("", "id", 10, 5);
        assertEquals(4, beyond.total());
        assertTrue(beyond.hits().isEmpty());
        SearchResult countOnly = index.search("task:mod*", null, 0, 0);
        assertEquals(3, countOnly.total());
        assertTrue(countOnly.hits().isEmpty());
        assertEquals(Map.of("mod-add", 2L, "mod-sub", 1L), countOnly.facets().get("task"));
        assertThrows(IllegalArgumentException.class, () -> index.search("", null, -1, 10));
    }

    @Test
    void facetsCountTheMatchingRuns() {
        SearchResult all = index.search("", null, 0, 10);
        assertEquals(Map.of("mod-add", 2L, "mod-sub", 1L, "sparse-parity", 1L), all.facets().get("task"));
        assertEquals(Map.of("finished", 2L, "running", 1L, "failed", 1L), all.facets().get("status"));
        assertEquals(Map.of("baseline", 2L, "grok", 1L), all.facets().get("tag"));
        assertEquals(List.of("mod-add", "mod-sub", "sparse-parity"), List.copyOf(all.facets().get("task").keySet()),
                "largest count first, then by name");

        SearchResult some = index.search("test_loss:[0 TO 0.1]", null, 0, 10);
        assertEquals(Map.of("mod-add", 1L, "mod-sub", 1L), some.facets().get("task"));
        assertEquals(Map.of("finished", 2L), some.facets().get("status"));
        assertEquals(Map.of("baseline", 1L, "grok", 1L), some.facets().get("tag"));

        SearchResult none = index.search("task:nothing", null, 0, 10);
        assertEquals(0, none.total());
        assertEquals(Map.of(), none.facets().get("task"));
    }

    @Test
    void facetsNamedByTheCallerIncludingNumbersAndKeyFrequencies() {
        SearchResult all = index.search("", null, 0, 0, List.of("task", "seed", "tag", "key_freqs"));
        assertEquals(List.of("task", "seed", "tag", "key_freqs"), List.copyOf(all.facets().keySet()));
        assertEquals(Map.of("mod-add", 2L, "mod-sub", 1L, "sparse-parity", 1L), all.facets().get("task"));
        assertEquals(Map.of("0", 1L, "1", 1L, "2", 1L, "3", 1L), all.facets().get("seed"));
        assertEquals(Map.of("baseline", 2L, "grok", 1L), all.facets().get("tag"));
        assertEquals(Map.of("14", 1L, "35", 1L, "41", 1L), all.facets().get("key_freqs"));

        // double fields: integral values print as integers; ties in numeric order
        SearchResult numbers = index.search("", null, 0, 0, List.of("p", "lr"));
        assertEquals(List.of("113", "97"), List.copyOf(numbers.facets().get("p").keySet()));
        assertEquals(Map.of("113", 2L, "97", 1L), numbers.facets().get("p"));
        assertEquals(List.of("1.0E-4", "3.0E-4", "0.001", "0.01"), List.copyOf(numbers.facets().get("lr").keySet()));

        SearchResult some = index.search("has_checkpoint:(test_loss:[0 TO 0.1])", null, 0, 0,
                List.of("task", "seed", "key_freqs"));
        assertEquals(Map.of("mod-add", 1L, "mod-sub", 1L), some.facets().get("task"));
        assertEquals(Map.of("0", 1L, "2", 1L), some.facets().get("seed"));
        assertEquals(Map.of("14", 1L, "35", 1L, "41", 1L), some.facets().get("key_freqs"));

        assertEquals(Map.of(), index.search("", null, 0, 10, List.of()).facets(), "no facets asked, none counted");
        assertEquals(List.of("task", "status", "tag"), List.copyOf(index.search("", null, 0, 1).facets().keySet()),
                "the default facets");
        assertEquals(Map.of("adamw", 1L), index.search("", null, 0, 0, List.of("optimizer")).facets().get("optimizer"),
                "any keyword setting is a facet");
    }

    @Test
    void keyFrequencyFacetsOrderTiesNumerically() {
        index.indexRun(new RunInfo("k1", "mod-add", 20, Instant.EPOCH, Map.of(), Map.of(), Map.of()),
                List.of(new CheckpointDoc(10, Map.of(), Map.of("key_freqs", List.of("5", "14", "113")))));
        Map<String, Long> counts = index.search("", null, 0, 0, List.of("key_freqs")).facets().get("key_freqs");
        assertEquals(List.of("14", "5", "35", "41", "113"), List.copyOf(counts.keySet()));
        assertEquals(2L, counts.get("14"));
    }

    @Test
    void aFacetListsAtMostItsTopValues() {
        for (int seed = 100; seed < 100 + Schema.MAX_FACET_VALUES + 10; seed++) {
            index.indexRun(new RunInfo("s" + seed, "many-seeds", seed, Instant.EPOCH, Map.of(), Map.of(), Map.of()),
                    List.of());
        }
        Map<String, Long> seeds = index.search("task:many-seeds", null, 0, 0, List.of("seed")).facets().get("seed");
        assertEquals(Schema.MAX_FACET_VALUES, seeds.size());
        assertEquals("100", seeds.keySet().iterator().next());
        assertEquals(Schema.MAX_FACET_VALUES + 10, index.search("task:many-seeds", null, 0, 0, List.of()).total());
    }

    @Test
    void fieldsThatCannotBeFacetsAreQueryErrors() {
        for (String bad : List.of("no_such_field", "text", "id", "run_id", "doc_type")) {
            QueryException e = assertThrows(QueryException.class, () -> index.search("", null, 0, 10, List.of(bad)));
            assertTrue(e.getMessage().contains("cannot count facet '" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("test_loss"), "names the numeric fields: " + e.getMessage());
        }
    }

    @Test
    void hitsCarryWhatAListOfRunsShows() {
        RunHit r1 = index.search("id:r1", null, 0, 1).hits().get(0);
        Map<String, Object> f = r1.fields();
        assertEquals("r1", r1.id());
        assertEquals("mod-add", f.get("task"));
        assertEquals(0L, f.get("seed"));
        assertEquals("finished", f.get("status"));
        assertEquals(113L, f.get("p"), "integers stay integers");
        assertEquals(1e-3, f.get("lr"));
        assertEquals(0.05, f.get("test_loss"));
        assertEquals(600L, f.get("grok_step"));
        assertEquals(List.of("grok", "baseline"), f.get("tag"));
        assertEquals(List.of("14", "35", "41"), f.get("key_freqs"));
        assertEquals(1000L, f.get("latest_step"));
        assertEquals(3L, f.get("checkpoints"));
        assertEquals(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli(), f.get("created"));
        assertFalse(f.containsKey("doc_type"));

        RunHit r2 = index.search("id:r2", null, 0, 1).hits().get(0);
        assertEquals(List.of("baseline"), r2.fields().get("tag"), "a one-element list is still a list");
        assertTrue(r1.score() > 0);
        assertTrue(index.numericFields().containsAll(List.of("lr", "p", "seed", "test_loss", "step")));
    }

    // ---- malformed queries --------------------------------------------------------------------------------------

    @Test
    void malformedQueriesSayWhatAndWhere() {
        QueryException open = assertThrows(QueryException.class, () -> index.search("test_loss:[0 TO", null, 0, 10));
        assertEquals(15, open.position());
        assertTrue(open.getMessage().contains("end of query at position 15"), open.getMessage());

        QueryException and = assertThrows(QueryException.class, () -> index.search("AND AND", null, 0, 10));
        assertEquals(0, and.position());
        assertTrue(and.getMessage().contains("unexpected 'AND' at position 0"), and.getMessage());

        QueryException twoOps = assertThrows(QueryException.class, () -> index.search("seed:1 AND OR seed:2", null, 0, 10));
        assertEquals(11, twoOps.position());

        QueryException paren = assertThrows(QueryException.class, () -> index.search("task:mod-add)", null, 0, 10));
        assertEquals(12, paren.position());

        QueryException number = assertThrows(QueryException.class, () -> index.search("lr:[abc TO 1]", null, 0, 10));
        assertEquals(4, number.position());
        assertTrue(number.getMessage().contains("'abc' is not a number"), number.getMessage());

        QueryException quote = assertThrows(QueryException.class, () -> index.search("task:\"mod", null, 0, 10));
        assertEquals(9, quote.position());
    }

    @Test
    void noLuceneExceptionEscapesSearch() {
        String[] odd = {"*", "?", ":", "a:", "[", "{}", "~", "^2", "\"", "\\", "a:b^x", "/[/", "lr:[1 TO abc]", "lr:1e",
                "lr:1e*", "task:/mod-.*/", "lr:[1e-3 TO 1e-4]", "((((", "NOT", "a:b~2", "seed:1.5", "seed:x", "**:*",
                "lr:NaN", "lr:-Infinity", "p:[113 TO 113]^2", "text:\"clean grokking\"~2", "*:* AND NOT *:*",
                "has_checkpoint", "has_checkpoint:", "has_checkpoint:(", "has_checkpoint:)", "has_checkpoint:((step:1)",
                "has_checkpoint:(step:1)^2", "has_checkpoint:(step:1)~2", "has_checkpoint:(step:1)*", "has_checkpoint:(\\",
                "x:has_checkpoint:(step:1)", "has_checkpoint:(step:1):x", "has_checkpoint:(/(/)", "has_checkpoint:(\"\")",
                "has_checkpoint:(step:[1 TO abc])", "has_checkpoint:(-step:1)", "(has_checkpoint:(step:1)",
                "has_checkpoint:(step:1) has_checkpoint:(step:2) has_checkpoint:(step:3)", "_lifted:0", "has_checkpoint:(_lifted:0)"};
        for (String q : odd) {
            try {
                SearchResult r = index.search(q, null, 0, 10);
                assertNotNull(r, q);
            } catch (QueryException e) {
                assertNotNull(e.getMessage(), q);
            }
        }
    }

    // ---- writing ------------------------------------------------------------------------------------------------

    @Test
    void indexingARunAgainReplacesIt() {
        RunArchive r2 = archive.run("r2");
        r2.writeInfo(r2.info().withSummary(Map.of("status", "finished")));
        index.indexRun(r2);
        index.indexRun(r2);
        assertEquals(List.of("r2"), ids("id:r2"));
        assertEquals(4, index.search("", null, 0, 10).total());
        assertEquals(Map.of("finished", 3L, "failed", 1L), index.search("", null, 0, 10).facets().get("status"));
        assertEquals(2L, index.search("id:r2", null, 0, 1).hits().get(0).fields().get("checkpoints"));
    }

    @Test
    void deletedRunsDisappear() {
        index.deleteRun("r3");
        assertEquals(List.of("r1", "r2", "r4"), ids(""));
        index.deleteRun("no-such-run");
        assertEquals(3, index.search("", null, 0, 10).total());
    }

    @Test
    void reindexFromTheArchiveGivesTheSameHitsAsIncrementalIndexing() {
        String[] queries = {"", "task:mod-add AND test_loss:[0 TO 0.1]", "lr:[1e-4 TO 1e-3]", "NOT task:mod*",
                "tag:baseline", "key_freqs:35", "has_checkpoint:(test_loss:[0 TO 0.1] AND step:[0 TO 1500])",
                "task:mod* AND NOT has_checkpoint:(test_loss:[1.9 TO 2.1])", "has_checkpoint:(key_freqs:41)"};
        List<String> facets = List.of("task", "seed", "tag", "status", "key_freqs", "p", "lr");
        List<SearchResult> incremental = new ArrayList<>();
        for (String q : queries) incremental.add(index.search(q, "-test_loss", 0, 100, facets));
        index.commit();
        index.close();

        index = RunIndex.open(tmp.resolve("rebuilt"));
        assertEquals(4, index.reindex(archive));
        for (int i = 0; i < queries.length; i++) {
            SearchResult rebuilt = index.search(queries[i], "-test_loss", 0, 100, facets);
            assertEquals(ids(incremental.get(i)), ids(rebuilt), queries[i]);
            assertEquals(incremental.get(i).total(), rebuilt.total(), queries[i]);
            assertEquals(incremental.get(i).facets(), rebuilt.facets(), queries[i]);
            assertEquals(incremental.get(i).hits().stream().map(RunHit::fields).toList(),
                    rebuilt.hits().stream().map(RunHit::fields).toList(), queries[i]);
        }
        assertEquals(4, index.reindex(archive), "reindexing again does not duplicate");
        assertEquals(4, index.search("", null, 0, 10).total());

        index.close();
        index = RunIndex.open(tmp.resolve("rebuilt"));
        assertEquals(ids(incremental.get(1)), ids(queries[1]), "reindex is committed");
    }

    @Test
    void reindexSkipsRunsWhoseRunFileIsUnreadable() throws Exception {
        Files.write(archive.run("r2").dir().resolve("run.h5"), new byte[] {1, 2, 3});
        assertEquals(3, index.reindex(archive));
        assertEquals(List.of("r1", "r3", "r4"), ids(""));
    }

    @Test
    void aCorruptCheckpointIsSkippedAndTheRestIndexed() throws Exception {
        RunArchive r1 = archive.run("r1");
        Files.write(r1.checkpointPath(1000), "not an hdf5 file".getBytes());
        index.indexRun(r1);
        Map<String, Object> f = index.search("id:r1", null, 0, 1).hits().get(0).fields();
        assertEquals(2L, f.get("checkpoints"));
        assertEquals(500L, f.get("latest_step"));
        assertEquals(2.0, f.get("test_loss"), "latest readable checkpoint");
        assertEquals(List.of("r1"), ids("test_loss:2"));
    }

    @Test
    void aFieldKeepsItsKindAcrossRuns() {
        // lr is numeric in the index; a run whose lr is a word is still indexed, without that field
        index.indexRun(new RunInfo("r5", "mod-add", 9, Instant.EPOCH, Map.of("lr", "auto", "p", 113),
                Map.of(), Map.of()), List.of(new CheckpointDoc(10, Map.of("test_loss", 1.5), Map.of())));
        assertEquals(List.of("r5"), ids("seed:9 AND p:113 AND test_loss:1.5"));
        assertEquals(List.of("r1", "r2", "r3"), ids("lr:[1e-4 TO 1e-3]"));
    }

    @Test
    void divergedRunsAreFoundByNaNAndSortLastAscending() {
        index.indexRun(new RunInfo("nan", "mod-add", 8, Instant.EPOCH, Map.of(), Map.of(), Map.of()),
                List.of(new CheckpointDoc(10, Map.of("test_loss", Double.NaN), Map.of())));
        assertEquals(List.of("nan"), ids("test_loss:NaN"));
        assertEquals(List.of("r1", "r3"), ids("test_loss:[0 TO 0.1]"));
        List<String> ascending = ids(index.search("", "test_loss", 0, 10));
        assertEquals("nan", ascending.get(ascending.size() - 1));
    }

    @Test
    void anIndexedRunIsFoundByTheNextSearchWithoutCommit() throws Exception {
        RunIndex reader = RunIndex.openReadOnly(tmp.resolve("index"));
        try {
            index.commit();
            assertEquals(4, reader.search("", null, 0, 10).total());

            index.indexRun(new RunInfo("live", "mod-add", 42, Instant.now(), Map.of("lr", 5e-4), Map.of("status", "running"), Map.of()),
                    List.of(new CheckpointDoc(100, Map.of("test_loss", 3.5), Map.of("key_freqs", List.of("7")))));
            assertEquals(List.of("live"), ids("seed:42 AND key_freqs:7"), "near-real-time");
            assertEquals(0, reader.search("seed:42", null, 0, 10).total(), "another reader sees commits only");

            index.commit();
            assertEquals(1, reader.search("seed:42", null, 0, 10).total(), "a read-only index reopens on search");
        } finally {
            reader.close();
        }
    }

    @Test
    void concurrentIndexingAndSearching() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            futures.add(pool.submit(() -> {
                for (int step = 0; step < 40; step++) {
                    List<CheckpointDoc> docs = new ArrayList<>();
                    for (int s = 0; s <= step; s++) docs.add(new CheckpointDoc(s * 10L, Map.of("test_loss", 5.0 - s * 0.1), Map.of()));
                    index.indexRun(new RunInfo("training", "mod-add", 7, Instant.EPOCH, Map.of("lr", 1e-3),
                            Map.of("status", "running"), Map.of()), docs);
                }
            }));
            for (int t = 0; t < 3; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        SearchResult r = index.search("task:mod-add", "-test_loss", 0, 10);
                        long training = r.hits().stream().filter(h -> h.id().equals("training")).count();
                        assertTrue(training <= 1, "a run appears once, never as two blocks");
                    }
                }));
            }
            for (Future<?> f : futures) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(40L, index.search("id:training", null, 0, 1).hits().get(0).fields().get("checkpoints"));
    }

    @Test
    void aCheckpointIndexedWhileARunTrainsIsSearchableWithinASecond() throws Exception {
        int checkpoints = 30;
        long[] indexedAtNanos = new long[checkpoints];
        long[] waitedMillis = new long[checkpoints];
        // warm-up (class loading, JIT of the indexing and join code), so the test measures latency, not start-up
        index.indexRun(new RunInfo("warm-up", "mod-add", 6, Instant.EPOCH, Map.of(), Map.of(), Map.of()),
                List.of(new CheckpointDoc(0, Map.of("test_loss", 1.0), Map.of("key_freqs", List.of("1")))));
        assertEquals(1, index.search("has_checkpoint:(step:0 AND key_freqs:1)", null, 0, 1, List.of()).total());
        ExecutorService trainer = Executors.newSingleThreadExecutor();
        try {
            // the "training run": every 20 ms a new checkpoint, and the whole run re-indexed as IndexingListener does
            Future<?> training = trainer.submit(() -> {
                List<CheckpointDoc> docs = new ArrayList<>();
                for (int i = 0; i < checkpoints; i++) {
                    docs.add(new CheckpointDoc(i * 100L, Map.of("test_loss", 5.0 - i * 0.1),
                            Map.of("key_freqs", List.of(Integer.toString(i)))));
                    indexedAtNanos[i] = System.nanoTime();
                    index.indexRun(new RunInfo("training", "mod-add", 7, Instant.EPOCH, Map.of("lr", 1e-3),
                            Map.of("status", "running"), Map.of()), List.copyOf(docs));
                    Thread.sleep(20);
                }
                return null;
            });
            // a searcher polls for each checkpoint as the run writes it
            for (int i = 0; i < checkpoints; i++) {
                String q = "has_checkpoint:(step:" + (i * 100) + " AND key_freqs:" + i + ")";
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (index.search(q, null, 0, 1, List.of()).total() == 0) {
                    assertTrue(System.nanoTime() < deadline, "checkpoint " + i + " never became searchable");
                    Thread.sleep(5);
                }
                waitedMillis[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - indexedAtNanos[i]);
            }
            training.get(60, TimeUnit.SECONDS);
            for (int i = 0; i < checkpoints; i++) {
                assertTrue(waitedMillis[i] < 1000, "checkpoint " + i + " searchable after " + waitedMillis[i]
                        + " ms; all waits (ms): " + java.util.Arrays.toString(waitedMillis));
            }
        } finally {
            trainer.shutdownNow();
        }
        assertEquals(30L, index.search("id:training", null, 0, 1).hits().get(0).fields().get("checkpoints"));
        System.out.println("near-real-time waits (ms): " + java.util.Arrays.toString(waitedMillis));
    }

    // ---- opening ------------------------------------------------------------------------------------------------

    @Test
    void anIndexInUseIsRefusedWithAClearMessage() {
        IndexException e = assertThrows(IndexException.class, () -> RunIndex.open(tmp.resolve("index")));
        assertTrue(e.getMessage().contains("is in use by another dynalens process"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aNewerIndexVersionIsRefused() throws Exception {
        index.close();
        index = null;
        try (IndexWriter w = new IndexWriter(FSDirectory.open(tmp.resolve("index")),
                new IndexWriterConfig(new StandardAnalyzer()).setParentField(Schema.PARENT))) {
            w.setLiveCommitData(Map.of(Schema.VERSION_KEY, Integer.toString(Schema.INDEX_VERSION + 1)).entrySet());
            w.commit();
        }
        IndexException e = assertThrows(IndexException.class, () -> RunIndex.open(tmp.resolve("index")));
        assertTrue(e.getMessage().contains("has version " + (Schema.INDEX_VERSION + 1)
                + " but this dynalens reads index version " + Schema.INDEX_VERSION), e.getMessage());
        assertThrows(IndexException.class, () -> RunIndex.openReadOnly(tmp.resolve("index")));
    }

    @Test
    void anOlderIndexIsRefusedForReadingAndEmptiedForWritingSoReindexRebuildsIt() throws Exception {
        index.close();
        index = null;
        Path old = tmp.resolve("old");
        // version 1 kept key_freqs as a plain keyword; version 2 adds facet doc values, which Lucene would refuse
        try (IndexWriter w = new IndexWriter(FSDirectory.open(old),
                new IndexWriterConfig(new StandardAnalyzer()).setParentField(Schema.PARENT))) {
            org.apache.lucene.document.Document doc = new org.apache.lucene.document.Document();
            doc.add(new org.apache.lucene.document.StringField("key_freqs", "14",
                    org.apache.lucene.document.Field.Store.YES));
            w.addDocument(doc);
            w.setLiveCommitData(Map.of(Schema.VERSION_KEY, Integer.toString(Schema.INDEX_VERSION - 1)).entrySet());
            w.commit();
        }
        IndexException e = assertThrows(IndexException.class, () -> RunIndex.openReadOnly(old));
        assertTrue(e.getMessage().contains("older than the version " + Schema.INDEX_VERSION), e.getMessage());
        assertTrue(e.getMessage().contains("run reindex"), e.getMessage());

        index = RunIndex.open(old);
        assertEquals(0, index.search("", null, 0, 10).total(), "emptied");
        assertEquals(4, index.reindex(archive));
        assertEquals(List.of("r1"), ids("key_freqs:14"));
        index.close();
        index = null;
        try (RunIndex reader = RunIndex.openReadOnly(old)) {
            assertEquals(4, reader.search("", null, 0, 10).total(), "stamped with the current version");
        }
    }

    @Test
    void aForeignOrMissingIndexIsRefused() throws Exception {
        Path foreign = tmp.resolve("foreign");
        try (IndexWriter w = new IndexWriter(FSDirectory.open(foreign), new IndexWriterConfig(new StandardAnalyzer()))) {
            w.commit();
        }
        IndexException e = assertThrows(IndexException.class, () -> RunIndex.open(foreign));
        assertTrue(e.getMessage().contains("not a dynalens index"), e.getMessage());
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertTrue(assertThrows(IndexException.class, () -> RunIndex.open(file)).getMessage().contains("is a file"));
        IndexException missing = assertThrows(IndexException.class, () -> RunIndex.openReadOnly(tmp.resolve("none")));
        assertTrue(missing.getMessage().contains("no index at"), missing.getMessage());
    }

    @Test
    void aReadOnlyIndexRefusesWrites() {
        index.commit();
        try (RunIndex reader = RunIndex.openReadOnly(tmp.resolve("index"))) {
            assertTrue(reader.isReadOnly());
            assertEquals(List.of("r1", "r3"), ids(reader.search("test_loss:[0 TO 0.1]", "id", 0, 10)));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> reader.indexRun(archive.run("r1")));
            assertEquals("read-only index", e.getMessage());
            assertThrows(IllegalStateException.class, () -> reader.reindex(archive));
            assertThrows(IllegalStateException.class, reader::commit);
            assertThrows(IllegalStateException.class, () -> reader.deleteRun("r1"));
        }
    }

    @Test
    void changesSurviveCloseAndReopen() {
        index.close();
        index = RunIndex.open(tmp.resolve("index"));
        assertEquals(List.of("r1"), ids("task:mod-add AND test_loss:[0 TO 0.1]"));
        index.close();
        assertThrows(IllegalStateException.class, () -> index.search("", null, 0, 1));
        index.close();  // idempotent
        index = null;
    }
}
