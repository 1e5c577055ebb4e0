package org.dynalens.indexer;

import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexReader;
import org.dynalens.indexer.Schema.Kind;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kind of every field the index holds. Lucene fixes a field's data structures on first use and rejects a
 * document that disagrees, so the writer claims a kind for a field before using it and drops values of another
 * kind. Searchers read the kinds from the index itself (its FieldInfos), which is what makes numeric queries and
 * sorts work on any field that any run ever had.
 */
final class FieldKinds {

    private final Map<String, Kind> kinds = new ConcurrentHashMap<>();

    FieldKinds() {
    }

    /** The kinds of the fields in {@code reader}: points are numeric, other indexed fields keyword or text. */
    static FieldKinds of(IndexReader reader) {
        FieldKinds out = new FieldKinds();
        for (FieldInfo fi : FieldInfos.getMergedFieldInfos(reader)) {
            if (fi.getPointDimensionCount() > 0) {
                out.kinds.put(fi.name, Schema.numericKind(fi.name));
            } else if (fi.getIndexOptions() != IndexOptions.NONE) {
                out.kinds.put(fi.name, fi.name.equals(Schema.TEXT) ? Kind.TEXT : Kind.KEYWORD);
            }
        }
        return out;
    }

    FieldKinds copy() {
        FieldKinds c = new FieldKinds();
        c.kinds.putAll(kinds);
        return c;
    }

    /**
     * Claims {@code field} for {@code kind}; false when it already holds another kind. Atomic, so two threads
     * indexing runs that disagree cannot both win.
     */
    boolean claim(String field, Kind kind) {
        Kind existing = kinds.putIfAbsent(field, kind);
        return existing == null || existing == kind;
    }

    Optional<Kind> kind(String field) {
        return Optional.ofNullable(kinds.get(field));
    }

    /** Numeric fields, sorted: what can be range-queried and sorted on. */
    Set<String> numericFields() {
        Set<String> out = new TreeSet<>();
        kinds.forEach((name, kind) -> {
            if (kind.numeric()) out.add(name);
        });
        return out;
    }
}
