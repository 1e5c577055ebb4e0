package org.dynalens.indexer.bench;

import java.util.List;

/**
 * One question asked of both stores: the Lucene query as a user types it, and the same question in SQL over the
 * {@link SqliteRuns} tables ({@code runs r}).
 *
 * @param facets   fields counted over the matching runs (empty: none)
 * @param sort     the Lucene sort ("id", "-test_loss"); {@code sqlOrder} is the same order in SQL
 */
record BenchmarkQuery(String name, String lucene, String sort, List<String> facets, String sqlWhere, String sqlOrder) {

    /** Representative questions: hyper-parameter ranges, keywords and text, boolean logic, lifted checkpoint
     * conditions, facet counts and sorting. */
    static final List<BenchmarkQuery> SET = List.of(
            new BenchmarkQuery("numeric ranges on hyper-parameters",
                    "lr:[1e-4 TO 1e-3] AND weight_decay:[0.5 TO 2]", "id", List.of(),
                    "r.lr BETWEEN 1e-4 AND 1e-3 AND r.weight_decay BETWEEN 0.5 AND 2", "r.id"),
            new BenchmarkQuery("keyword and a word of the notes",
                    "task:mod-add AND slingshot", "id", List.of(),
                    "r.task = 'mod-add' AND r.id IN (SELECT id FROM runs_text WHERE runs_text MATCH 'slingshot')", "r.id"),
            new BenchmarkQuery("wildcard, OR, NOT",
                    "(task:mod-* OR tag:grok) AND NOT status:failed", "id", List.of(),
                    "(r.task GLOB 'mod-*' OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = 'grok'))"
                            + " AND r.status <> 'failed'", "r.id"),
            new BenchmarkQuery("lifted checkpoint condition (the issue's example)",
                    "task:mod-add AND has_checkpoint:(test_loss:[0 TO 0.1] AND step:[0 TO 10000]) AND key_freqs:14",
                    "id", List.of(),
                    "r.task = 'mod-add' AND EXISTS (SELECT 1 FROM checkpoints c WHERE c.run_id = r.id"
                            + " AND c.test_loss BETWEEN 0 AND 0.1 AND c.step BETWEEN 0 AND 10000)"
                            + " AND EXISTS (SELECT 1 FROM run_key_freqs k WHERE k.run_id = r.id AND k.freq = '14')", "r.id"),
            new BenchmarkQuery("lifted condition on what a checkpoint contains",
                    "has_checkpoint:(key_freqs:14 AND step:[0 TO 15000]) AND NOT status:failed", "id", List.of(),
                    "EXISTS (SELECT 1 FROM checkpoint_key_freqs k WHERE k.run_id = r.id AND k.freq = '14'"
                            + " AND k.step BETWEEN 0 AND 15000) AND r.status <> 'failed'", "r.id"),
            new BenchmarkQuery("facet counts (task, seed, tag, key_freqs)",
                    "lr:[1e-4 TO 1e-3]", "id", List.of("task", "seed", "tag", "key_freqs"),
                    "r.lr BETWEEN 1e-4 AND 1e-3", "r.id"),
            new BenchmarkQuery("landing page: all runs, default facets",
                    "", "id", List.of("task", "status", "tag"), "1", "r.id"),
            new BenchmarkQuery("sort by a metric",
                    "task:mod-add AND status:finished", "-test_loss", List.of(),
                    "r.task = 'mod-add' AND r.status = 'finished'", "r.test_loss DESC, r.id"),
            new BenchmarkQuery("sort by grok step, lifted condition",
                    "has_checkpoint:(test_acc:[0.99 TO *] AND step:[* TO 8000])", "grok_step", List.of("task"),
                    "EXISTS (SELECT 1 FROM checkpoints c WHERE c.run_id = r.id AND c.test_acc >= 0.99 AND c.step <= 8000)",
                    "r.grok_step IS NULL, r.grok_step, r.id"));
}
