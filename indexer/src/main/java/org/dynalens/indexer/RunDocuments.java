package org.dynalens.indexer;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.SortedNumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;
import org.dynalens.archive.RunInfo;
import org.dynalens.indexer.Schema.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a run and its checkpoints into one Lucene block: a child document per checkpoint, ascending by step, then
 * the run document last (Lucene's block-join convention: the parent closes its block).
 */
final class RunDocuments {

    private static final Logger LOG = LoggerFactory.getLogger(RunDocuments.class);

    private final FieldKinds kinds;

    RunDocuments(FieldKinds kinds) {
        this.kinds = kinds;
    }

    List<Document> block(RunInfo info, List<CheckpointDoc> checkpoints) {
        Collection<CheckpointDoc> byStep = byStep(checkpoints);
        List<Document> block = new ArrayList<>(byStep.size() + 1);
        for (CheckpointDoc c : byStep) block.add(checkpointDocument(info.id(), c));
        CheckpointDoc latest = byStep.isEmpty() ? null : byStep.stream().reduce((a, b) -> b).orElseThrow();
        block.add(runDocument(info, latest, byStep.size()));
        return block;
    }

    /** Ascending by step; of two documents for the same step the later one wins. */
    private static Collection<CheckpointDoc> byStep(List<CheckpointDoc> checkpoints) {
        TreeMap<Long, CheckpointDoc> out = new TreeMap<>();
        for (CheckpointDoc c : checkpoints) out.put(c.step(), c);
        return out.values();
    }

    /** Searchable only: checkpoints are never returned as hits, so they store nothing (smaller, faster to fetch runs). */
    private Document checkpointDocument(String runId, CheckpointDoc c) {
        DocumentBuilder d = new DocumentBuilder(runId, false);
        d.keyword(Schema.DOC_TYPE, Schema.TYPE_CHECKPOINT, false);
        d.keyword(Schema.RUN_ID, runId, true);
        d.number(Schema.STEP, c.step());
        if (c.metrics() != null) c.metrics().forEach(d::dynamic);
        if (c.keywords() != null) c.keywords().forEach(d::dynamic);
        return d.doc;
    }

    private Document runDocument(RunInfo info, CheckpointDoc latest, int checkpointCount) {
        DocumentBuilder d = new DocumentBuilder(info.id(), true);
        d.keyword(Schema.DOC_TYPE, Schema.TYPE_RUN, false);
        d.keyword(Schema.RUN_ID, info.id(), false);
        d.keyword(Schema.ID, info.id(), true);
        d.doc.add(new SortedDocValuesField(Schema.ID, new BytesRef(info.id())));  // id is the tie-break of every sort
        d.facet(Schema.TASK, info.task());
        d.number(Schema.SEED, info.seed());
        d.number(Schema.CREATED, info.created().toEpochMilli());
        String status = info.summary().get(Schema.STATUS) instanceof String s ? s : null;
        if (status != null) d.facet(Schema.STATUS, status);
        Set<String> tags = tags(info);
        for (String tag : tags) d.facet(Schema.TAG, tag);
        d.lists.add(Schema.TAG);
        d.number(Schema.CHECKPOINTS, checkpointCount);
        if (latest != null) d.number(Schema.LATEST_STEP, latest.step());

        // Later sources win: the latest checkpoint's metrics are what a run's `test_loss` means.
        Map<String, Object> values = new LinkedHashMap<>();
        flatten("", info.config(), values);
        flatten("", info.summary(), values);
        flatten(Schema.PROVENANCE_PREFIX, info.provenance(), values);
        if (info.provenance().get(Schema.TRAINER) instanceof String trainer) values.put(Schema.TRAINER, trainer);
        if (latest != null && latest.metrics() != null) values.putAll(latest.metrics());
        if (latest != null && latest.keywords() != null) values.putAll(latest.keywords());
        values.keySet().removeAll(Schema.RESERVED);
        values.remove(Schema.TAGS_KEY);
        values.forEach(d::dynamic);

        d.doc.add(new TextField(Schema.TEXT, text(info, status, tags, values.get(Schema.NOTES_KEY)), Field.Store.NO));
        for (String list : d.lists) d.doc.add(new StoredField(Schema.LISTS, list));
        return d.doc;
    }

    private static Set<String> tags(RunInfo info) {
        Set<String> tags = new LinkedHashSet<>();
        for (Object source : List.of(info.config().getOrDefault(Schema.TAGS_KEY, List.of()),
                info.summary().getOrDefault(Schema.TAGS_KEY, List.of()))) {
            if (source instanceof Collection<?> c) {
                for (Object t : c) if (t != null) tags.add(t.toString());
            } else if (source != null) {
                tags.add(source.toString());
            }
        }
        return tags;
    }

    /** Words a bare query term looks for: id, task, status, tags and notes. */
    private static String text(RunInfo info, String status, Set<String> tags, Object notes) {
        StringBuilder sb = new StringBuilder(info.id()).append(' ').append(info.task());
        if (status != null) sb.append(' ').append(status);
        for (String tag : tags) sb.append(' ').append(tag);
        if (notes != null) sb.append(' ').append(notes);
        return sb.toString();
    }

    /** Nested maps become dotted names ({@code model.d_model}), which the query syntax accepts as field names. */
    private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
        map.forEach((k, v) -> {
            String name = prefix + k;
            if (v instanceof Map<?, ?> nested) flatten(name + ".", nested, out);
            else out.put(name, v);
        });
    }

    /** Adds fields to one document, keeping each field's kind consistent with the rest of the index. */
    private final class DocumentBuilder {
        final Document doc = new Document();
        final Set<String> lists = new LinkedHashSet<>();
        private final String runId;
        /** Whether values are also stored, to be returned with hits. */
        private final boolean stored;

        DocumentBuilder(String runId, boolean stored) {
            this.runId = runId;
            this.stored = stored;
        }

        /** A config, summary or metric value: its Java type decides the field's kind. */
        void dynamic(String name, Object value) {
            if (name.isBlank() || value == null) return;
            if (value instanceof Collection<?> values) {
                lists.add(name);
                for (Object v : values) {
                    if (v != null && !(v instanceof Collection<?>) && !(v instanceof Map<?, ?>)) dynamic(name, v);
                }
            } else if (value instanceof Map<?, ?>) {
                return;  // flattened by the caller; a map inside a list has no field name
            } else if (value instanceof Number n) {
                if (claim(name, Kind.DOUBLE, value)) number(name, n);
            } else if (claim(name, Kind.KEYWORD, value)) {
                facet(name, value.toString());  // any keyword (key_freqs, optimizer, ...) can be a facet
            }
        }

        private boolean claim(String name, Kind kind, Object value) {
            if (kinds.claim(name, kind)) return true;
            LOG.warn("run {}: field '{}' is {} in the index, so value '{}' is not indexed", runId, name,
                    kinds.kind(name).map(k -> k.name().toLowerCase()).orElse("?"), value);
            return false;
        }

        void keyword(String name, String value, boolean stored) {
            String term = value.length() > Schema.MAX_KEYWORD_LENGTH ? value.substring(0, Schema.MAX_KEYWORD_LENGTH)
                    : value;
            doc.add(new StringField(name, term, Field.Store.NO));
            if (stored && this.stored) doc.add(new StoredField(name, value));
        }

        /** A keyword that can also be counted as a facet (the doc value holds the same prefix as the term). */
        void facet(String name, String value) {
            keyword(name, value, true);
            String term = value.length() > Schema.MAX_KEYWORD_LENGTH ? value.substring(0, Schema.MAX_KEYWORD_LENGTH)
                    : value;
            doc.add(new SortedSetDocValuesField(name, new BytesRef(term)));
        }

        /** Long fields by name ({@link Schema#LONG_FIELDS}), every other number as a double. */
        void number(String name, Number value) {
            if (Schema.numericKind(name) == Kind.LONG) {
                long v = value.longValue();
                doc.add(new LongPoint(name, v));
                doc.add(new SortedNumericDocValuesField(name, v));
                if (stored) doc.add(new StoredField(name, v));
                return;
            }
            double v = value.doubleValue();
            doc.add(new DoublePoint(name, v));
            doc.add(new SortedNumericDocValuesField(name, NumericUtils.doubleToSortableLong(v)));
            // integers stay integers for display (p = 113, not 113.0); searching treats both as doubles
            boolean integral = value instanceof Integer || value instanceof Long || value instanceof Short
                    || value instanceof Byte || value instanceof BigInteger;
            if (stored) doc.add(integral ? new StoredField(name, value.longValue()) : new StoredField(name, v));
        }
    }
}
