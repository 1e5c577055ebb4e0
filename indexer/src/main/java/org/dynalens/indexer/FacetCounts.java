package org.dynalens.indexer;

import org.apache.lucene.facet.FacetResult;
import org.apache.lucene.facet.FacetsCollector;
import org.apache.lucene.facet.LabelAndValue;
import org.apache.lucene.facet.StringValueFacetCounts;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.NumericUtils;
import org.dynalens.indexer.Schema.Kind;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Counts, over the matching runs, how many runs have each value of a field: keyword fields (task, tag, key_freqs,
 * any string config value) through their sorted-set doc values, numeric fields (seed, p, lr, ...) through their
 * numeric doc values. A run with several values (tags, key frequencies) counts once for each distinct value.
 *
 * <p>Values are listed with the largest count first; ties in natural order (numbers numerically, so key frequency
 * "5" comes before "14"); at most {@link Schema#MAX_FACET_VALUES} values per facet.
 */
final class FacetCounts {

    /** Facets a caller may always ask for, even before any run has a value for them (they are then empty). */
    static final Set<String> ALWAYS_AVAILABLE = Set.of(Schema.TASK, Schema.STATUS, Schema.TAG, Schema.SEED, "key_freqs");

    /** Count descending, then values in natural order: numbers numerically, before words; words as strings. */
    static final Comparator<Map.Entry<String, Long>> ORDER = Comparator
            .comparing((Map.Entry<String, Long> e) -> e.getValue(), Comparator.reverseOrder())
            .thenComparing(Map.Entry::getKey, FacetCounts::naturalOrder);

    private FacetCounts() {
    }

    /**
     * Checks that each of {@code fields} can be counted in this view of the index.
     *
     * @throws QueryException naming the field and what can be counted instead
     */
    static void check(RunSearcher s, List<String> fields) {
        for (String field : fields) {
            if (ALWAYS_AVAILABLE.contains(field) || s.kinds().kind(field).filter(Kind::numeric).isPresent()
                    || s.facetState(field).isPresent()) {
                continue;
            }
            throw new QueryException("cannot count facet '" + field + "': facets are keyword fields (task, status, "
                    + "tag, key_freqs, string settings) or numeric fields (" + s.kinds().numericFields() + ")", -1, null);
        }
    }

    /** Counts per value of each field over {@code matching}; every field named is present, maybe empty. */
    static Map<String, Map<String, Long>> count(RunSearcher s, FacetsCollector matching, List<String> fields)
            throws IOException {
        check(s, fields);
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (String field : fields) {
            Map<String, Long> counts;
            Kind kind = s.kinds().kind(field).orElse(null);
            if (kind != null && kind.numeric()) {
                counts = numeric(matching, field, kind);
            } else {
                counts = keyword(s, matching, field);
            }
            out.put(field, top(counts));
        }
        return out;
    }

    private static Map<String, Long> keyword(RunSearcher s, FacetsCollector matching, String field) throws IOException {
        Map<String, Long> counts = new HashMap<>();
        var state = s.facetState(field);
        if (state.isEmpty()) return counts;
        FacetResult r = new StringValueFacetCounts(state.get(), matching).getAllChildren(field);
        if (r != null) for (LabelAndValue lv : r.labelValues) counts.put(lv.label, lv.value.longValue());
        return counts;
    }

    /** Distinct values per matching run, read from the numeric doc values of that run's document. */
    private static Map<String, Long> numeric(FacetsCollector matching, String field, Kind kind) throws IOException {
        Map<Long, Long> byRawValue = new HashMap<>();
        for (FacetsCollector.MatchingDocs m : matching.getMatchingDocs()) {
            if (m.totalHits == 0 || m.bits == null) continue;
            SortedNumericDocValues values = DocValues.getSortedNumeric(m.context.reader(), field);
            DocIdSetIterator docs = m.bits.iterator();
            if (docs == null) continue;
            for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
                if (!values.advanceExact(doc)) continue;
                long previous = 0;
                for (int i = 0; i < values.docValueCount(); i++) {
                    long v = values.nextValue();  // ascending within a document: skip repeats
                    if (i > 0 && v == previous) continue;
                    byRawValue.merge(v, 1L, Long::sum);
                    previous = v;
                }
            }
        }
        Map<String, Long> counts = new HashMap<>();
        byRawValue.forEach((raw, n) -> counts.merge(kind == Kind.LONG ? Long.toString(raw)
                : label(NumericUtils.sortableLongToDouble(raw)), n, Long::sum));
        return counts;
    }

    /** A number as a facet value: integral values without a fraction ("113"), others as Java prints them. */
    static String label(double v) {
        if (v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return Double.toString(v);
    }

    private static Map<String, Long> top(Map<String, Long> counts) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(ORDER);
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : entries) {
            if (out.size() == Schema.MAX_FACET_VALUES) break;
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Numbers before words; numbers by value, words (and equal numbers written differently) as strings. */
    static int naturalOrder(String a, String b) {
        Double x = number(a), y = number(b);
        if (x != null && y != null) {
            int c = Double.compare(x, y);
            return c != 0 ? c : a.compareTo(b);
        }
        if (x != null) return -1;
        if (y != null) return 1;
        return a.compareTo(b);
    }

    private static Double number(String s) {
        if (s.isEmpty() || !(Character.isDigit(s.charAt(0)) || s.charAt(0) == '-' && s.length() > 1)) return null;
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
