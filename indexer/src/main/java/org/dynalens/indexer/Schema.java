package org.dynalens.indexer;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.standard.StandardAnalyzer;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Field names and conventions of the index. The schema is data-driven: besides the fixed fields below, every
 * config, summary and metric key of a run becomes a field of its own, numeric ({@link Kind#DOUBLE}) or keyword.
 *
 * <p>Run document (the parent, last in its block):
 * <pre>
 * doc_type=run, run_id, id       keyword; id also sortable
 * task, status, tag              keyword + facet doc values (tag: one per summary/config tag)
 * seed, created, latest_step,    long point + doc values + stored (created in epoch millis)
 * checkpoints
 * &lt;config key&gt;, &lt;summary key&gt;,  double point + doc values + stored for numbers, keyword (+ facet doc values)
 * &lt;latest metric&gt;, &lt;latest kw&gt;   for strings and booleans; nested maps flattened as a.b; lists multi-valued
 * provenance.&lt;key&gt;             the run's provenance, flattened the same way (provenance.tribuo.trainer.seed)
 * trainer                        keyword: the provenance's trainer class (trainer:*TransformerTrainer)
 * text                           analysed text of id, task, status, tags and notes: the default field
 * </pre>
 * Checkpoint document (a child): {@code doc_type=checkpoint, run_id, step} (long), every metric (double) and every
 * keyword list (e.g. {@code key_freqs}). A field has the same kind, and the same Lucene data structures, on run
 * and checkpoint documents (Lucene 9 requires one schema per field across the index).
 *
 * <p>Queries reach checkpoint documents only through {@link #HAS_CHECKPOINT} groups, which match the runs that
 * have at least one checkpoint satisfying every condition of the group together.
 */
public final class Schema {

    /** Version of this schema, kept in the commit user data; an index written by a newer version is refused. */
    public static final int INDEX_VERSION = 2;
    public static final String VERSION_KEY = "dynalens_index_version";

    public static final String DOC_TYPE = "doc_type";
    public static final String TYPE_RUN = "run";
    public static final String TYPE_CHECKPOINT = "checkpoint";
    /** Internal marker Lucene adds to each block's parent (IndexWriterConfig#setParentField). */
    public static final String PARENT = "_parent";
    /** Stored-only: names of the fields of a run that hold lists, so single-element lists read back as lists. */
    public static final String LISTS = "_lists";

    /** On every document of a run's block: the key that replaces or deletes the whole block. */
    public static final String RUN_ID = "run_id";
    public static final String ID = "id";
    public static final String TASK = "task";
    public static final String SEED = "seed";
    public static final String STATUS = "status";
    public static final String CREATED = "created";
    public static final String TAG = "tag";
    public static final String TEXT = "text";
    public static final String STEP = "step";
    public static final String LATEST_STEP = "latest_step";
    public static final String CHECKPOINTS = "checkpoints";
    /** The trainer class from a run's provenance, as a keyword of its own. */
    public static final String TRAINER = "trainer";
    /** Prefix of the flattened provenance fields of a run. */
    public static final String PROVENANCE_PREFIX = "provenance.";

    /** Summary/config keys with a special meaning: tags become {@link #TAG} values, notes go into {@link #TEXT}. */
    static final String TAGS_KEY = "tags";
    static final String NOTES_KEY = "notes";

    /** Integral fields, indexed as LongPoint; every other numeric field is a DoublePoint. */
    public static final Set<String> LONG_FIELDS = Set.of(SEED, CREATED, STEP, LATEST_STEP, CHECKPOINTS);

    /** Facets counted over the matching runs when the caller names none. */
    public static final List<String> FACET_FIELDS = List.of(TASK, STATUS, TAG);

    /**
     * Query syntax: {@code has_checkpoint:( CONDITIONS )} matches runs having at least one checkpoint on which all
     * of CONDITIONS hold together, e.g. {@code has_checkpoint:(test_loss:[0 TO 0.1] AND step:[0 TO 10000])}.
     */
    public static final String HAS_CHECKPOINT = "has_checkpoint";

    /** Most values a facet reports: the largest counts first (ties in natural order of the value). */
    public static final int MAX_FACET_VALUES = 100;

    /** Names a config, summary or metric key cannot take: the fixed fields own them. */
    static final Set<String> RESERVED = Set.of(DOC_TYPE, PARENT, LISTS, RUN_ID, ID, TASK, SEED, STATUS, CREATED, TAG,
            TEXT, STEP, LATEST_STEP, CHECKPOINTS, HAS_CHECKPOINT);

    /** Integer tensors under {@code analysis/} of a checkpoint that are indexed as keyword lists. */
    static final List<String> KEYWORD_ANALYSES = List.of("key_freqs");

    /**
     * Keyword values longer than this are indexed by their prefix (Lucene refuses terms over 32 KB); the stored
     * value stays whole.
     */
    static final int MAX_KEYWORD_LENGTH = 1024;

    /** What a field holds; fixed per field for the life of the index (Lucene enforces one schema per field). */
    public enum Kind {
        /** DoublePoint + SortedNumericDocValues (sortable-long bits) + stored. */
        DOUBLE,
        /** LongPoint + SortedNumericDocValues + stored. */
        LONG,
        /** StringField, exact and case-sensitive; all but run_id, id and doc_type also SortedSetDocValues (facets). */
        KEYWORD,
        /** Analysed text. */
        TEXT;

        public boolean numeric() {
            return this == DOUBLE || this == LONG;
        }
    }

    private Schema() {
    }

    /** Numbers as the index keeps them: integral fields as long, every other numeric field as double. */
    static Kind numericKind(String field) {
        return LONG_FIELDS.contains(field) ? Kind.LONG : Kind.DOUBLE;
    }

    /**
     * Keyword fields are not tokenised (so {@code task:mod-add} stays one term); only {@link #TEXT} is analysed.
     */
    static Analyzer analyzer() {
        return new PerFieldAnalyzerWrapper(new KeywordAnalyzer(), Map.of(TEXT, new StandardAnalyzer()));
    }
}
