package org.dynalens.indexer;

import java.util.List;
import java.util.Map;

/**
 * What the index knows of one checkpoint: its step, numeric metrics and measures, and keyword facts such as key
 * frequencies or head roles.
 */
public record CheckpointDoc(long step, Map<String, Double> metrics, Map<String, List<String>> keywords) {
}
