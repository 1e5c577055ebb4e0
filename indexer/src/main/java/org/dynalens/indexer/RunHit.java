package org.dynalens.indexer;

import java.util.Map;

/**
 * One run matched by a search. {@code fields} holds every stored field of the run document: task, seed, status,
 * numeric hyper-parameters and the latest metrics (numbers as Double/Long, keywords as String or List).
 */
public record RunHit(String id, float score, Map<String, Object> fields) {
}
