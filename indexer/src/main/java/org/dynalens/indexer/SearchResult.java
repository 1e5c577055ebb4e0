package org.dynalens.indexer;

import java.util.List;
import java.util.Map;

/** A page of matching runs, the total count, and facet counts (facet name to value to count). */
public record SearchResult(long total, List<RunHit> hits, Map<String, Map<String, Long>> facets) {
}
