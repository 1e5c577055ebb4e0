package org.dynalens.plugin.analysis;

import org.dynalens.archive.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What analyses found in one checkpoint.
 *
 * @param measures scalar progress measures by name (searchable metrics, and curves over steps in measures.h5)
 * @param tensors  arrays stored under the checkpoint's {@code analysis/} group, by name inside it
 * @param keywords keyword lists for the index, e.g. {@code key_freqs -> ["14", "35"]}
 */
public record AnalysisResult(Map<String, Double> measures, Map<String, Tensor> tensors,
                             Map<String, List<String>> keywords) {

    public AnalysisResult {
        measures = Collections.unmodifiableMap(new LinkedHashMap<>(measures));
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        Map<String, List<String>> k = new LinkedHashMap<>();
        keywords.forEach((name, values) -> k.put(name, List.copyOf(values)));
        keywords = Collections.unmodifiableMap(k);
        for (String name : measures.keySet()) {
            if (tensors.containsKey(name)) {
                throw new IllegalArgumentException("'" + name + "' is both a measure and a tensor");
            }
        }
    }

    public static AnalysisResult empty() {
        return new AnalysisResult(Map.of(), Map.of(), Map.of());
    }

    public static AnalysisResult ofMeasure(String name, double value) {
        return new AnalysisResult(Map.of(name, value), Map.of(), Map.of());
    }

    /** Both results together; two analyses producing the same name is a programming error. */
    public AnalysisResult merge(AnalysisResult other) {
        Map<String, Double> m = new LinkedHashMap<>(measures);
        Map<String, Tensor> t = new LinkedHashMap<>(tensors);
        Map<String, List<String>> k = new LinkedHashMap<>(keywords);
        other.measures.forEach((name, v) -> putOnce(m, name, v));
        other.tensors.forEach((name, v) -> putOnce(t, name, v));
        other.keywords.forEach((name, v) -> putOnce(k, name, v));
        return new AnalysisResult(m, t, k);
    }

    private static <V> void putOnce(Map<String, V> map, String name, V value) {
        if (map.putIfAbsent(name, value) != null) {
            throw new IllegalStateException("two analyses produced '" + name + "'");
        }
    }
}
