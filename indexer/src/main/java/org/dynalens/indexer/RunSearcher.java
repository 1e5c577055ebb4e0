package org.dynalens.indexer;

import org.apache.lucene.facet.StringDocValuesReaderState;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A searcher over one point-in-time view of the index, with what is derived from that view computed once: the
 * field kinds (for query parsing and sorting), the facet ordinal maps (built lazily, on first use) and the parsed
 * queries.
 */
final class RunSearcher extends IndexSearcher {

    private final FieldKinds kinds;
    private final FieldInfos fieldInfos;
    private final Map<String, StringDocValuesReaderState> facetStates = new ConcurrentHashMap<>();
    private static final int MAX_PARSED_QUERIES = 256;
    private final Map<String, Query> parsedQueries = new ConcurrentHashMap<>();

    RunSearcher(IndexReader reader) {
        super(reader);
        this.fieldInfos = FieldInfos.getMergedFieldInfos(reader);
        this.kinds = FieldKinds.of(reader);
    }

    FieldKinds kinds() {
        return kinds;
    }

    /**
     * The parsed query for {@code text}, parsed once per view of the index (like a prepared statement): the flexible
     * query parser costs a fraction of a millisecond, as much as a whole search over ten thousand runs. Queries are
     * immutable, so searches share them; a parse error is not cached and throws again.
     */
    Query parsed(String text, Function<String, Query> parse) {
        if (parsedQueries.size() >= MAX_PARSED_QUERIES) parsedQueries.clear();
        return parsedQueries.computeIfAbsent(text == null ? "" : text, parse);
    }

    /** The facet state of a field, or empty when no document in this view has facet values for it. */
    Optional<StringDocValuesReaderState> facetState(String field) {
        FieldInfo fi = fieldInfos.fieldInfo(field);
        if (fi == null || fi.getDocValuesType() != DocValuesType.SORTED_SET) return Optional.empty();
        return Optional.of(facetStates.computeIfAbsent(field, f -> {
            try {
                return new StringDocValuesReaderState(getIndexReader(), f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }
}
