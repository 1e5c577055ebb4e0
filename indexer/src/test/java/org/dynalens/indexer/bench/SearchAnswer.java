package org.dynalens.indexer.bench;

import java.util.List;
import java.util.Map;

/** What a store answers to a {@link BenchmarkQuery}: total matching runs, one page of ids, facet counts in order. */
record SearchAnswer(long total, List<String> ids, Map<String, Map<String, Long>> facets) {
}
