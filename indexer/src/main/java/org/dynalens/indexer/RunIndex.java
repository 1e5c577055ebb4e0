package org.dynalens.indexer;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.facet.FacetsCollector;
import org.apache.lucene.facet.FacetsCollectorManager;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.SortedNumericSortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.store.NRTCachingDirectory;
import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The Lucene index over an archive: one parent document per run and one child document per checkpoint, written
 * as a block. The archive is the source of truth; {@link #reindex(Archive)} rebuilds this index from it.
 *
 * <p>Search is near-real-time: a run indexed through this instance is searchable after {@link #refresh()}.
 *
 * <p>Thread-safe: runs may be indexed from training threads while server threads search. Field names and types
 * are described in {@link Schema}.
 */
public final class RunIndex implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(RunIndex.class);
    private static final Query RUNS_ONLY = new TermQuery(new Term(Schema.DOC_TYPE, Schema.TYPE_RUN));
    private static final SortField BY_ID = new SortField(Schema.ID, SortField.Type.STRING);

    private final Path dir;
    private final Directory directory;
    private final Analyzer analyzer;
    /** Null for a read-only index. */
    private final IndexWriter writer;
    private final SearcherManager searchers;
    /** Kinds the writer has given fields so far; guards against documents Lucene would reject. */
    private final FieldKinds writtenKinds;
    private final RunQueryParser parser;
    /** Shared by single-run updates, exclusive for reindex and close, so a reindex never interleaves with them. */
    private final ReadWriteLock updates = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private RunIndex(Path dir, Directory directory, Analyzer analyzer, IndexWriter writer, SearcherManager searchers) {
        this.dir = dir;
        this.directory = directory;
        this.analyzer = analyzer;
        this.writer = writer;
        this.searchers = searchers;
        this.parser = new RunQueryParser(analyzer);
        this.writtenKinds = withSearcher(s -> s.kinds().copy());
    }

    /**
     * Opens (creating if needed) the index at {@code dir} for reading and writing. An index of an older version is
     * emptied (it is derived data whose layout new documents would clash with); {@code reindex} then rebuilds it.
     */
    public static RunIndex open(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        Directory directory = null;
        Analyzer analyzer = Schema.analyzer();
        IndexWriter writer = null;
        try {
            if (Files.exists(abs) && !Files.isDirectory(abs)) {
                throw new IndexException("index path " + abs + " is a file, not a directory");
            }
            Files.createDirectories(abs);
            // small segments flushed for near-real-time search stay in memory until merged or committed
            directory = new NRTCachingDirectory(FSDirectory.open(abs), 8.0, 64.0);
            boolean exists = DirectoryReader.indexExists(directory);
            int version = exists ? checkVersion(directory, abs) : Schema.INDEX_VERSION;
            boolean older = version < Schema.INDEX_VERSION;
            if (older) {
                // derived data in an older layout that new documents would clash with: start it afresh
                LOG.warn("index at {} has version {}, older than this dynalens's {}: it is emptied and must be rebuilt "
                        + "with reindex", abs, version, Schema.INDEX_VERSION);
            }
            IndexWriterConfig config = new IndexWriterConfig(analyzer)
                    .setOpenMode(older ? IndexWriterConfig.OpenMode.CREATE : IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                    .setParentField(Schema.PARENT)
                    .setRAMBufferSizeMB(64)  // fewer, larger flushed segments when (re)indexing many runs
                    .setCommitOnClose(false);  // close() commits itself, with the version in the user data
            try {
                writer = new IndexWriter(directory, config);
            } catch (LockObtainFailedException e) {
                throw new IndexException("index at " + abs + " is in use by another dynalens process "
                        + "(its write lock is held); stop that process or open the index read-only", e);
            }
            if (!exists || older) commit(writer);  // stamp a new index with its version at once
            SearcherManager searchers = new SearcherManager(writer, searcherFactory());
            return new RunIndex(abs, directory, analyzer, writer, searchers);
        } catch (IOException | RuntimeException e) {
            closeQuietly(writer);
            closeQuietly(directory);
            analyzer.close();
            if (e instanceof IndexException ie) throw ie;
            throw new IndexException("cannot open index at " + abs + ": " + oneLine(e), e);
        }
    }

    /**
     * Opens an existing index for searching only, without taking its write lock, so it can be searched while
     * another process writes it. Each search first picks up what the writer has committed since. The index*,
     * delete, reindex and commit methods throw {@link IllegalStateException}.
     */
    public static RunIndex openReadOnly(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        Directory directory = null;
        Analyzer analyzer = Schema.analyzer();
        try {
            if (!Files.isDirectory(abs)) throw new IndexException("no index at " + abs + "; run reindex to build it");
            directory = FSDirectory.open(abs);
            if (!DirectoryReader.indexExists(directory)) {
                throw new IndexException("no index at " + abs + "; run reindex to build it");
            }
            int version = checkVersion(directory, abs);
            if (version < Schema.INDEX_VERSION) {
                throw new IndexException("index at " + abs + " has version " + version + ", older than the version "
                        + Schema.INDEX_VERSION + " this dynalens reads; run reindex to rebuild it");
            }
            return new RunIndex(abs, directory, analyzer, null, new SearcherManager(directory, searcherFactory()));
        } catch (IOException | RuntimeException e) {
            closeQuietly(directory);
            analyzer.close();
            if (e instanceof IndexException ie) throw ie;
            throw new IndexException("cannot open index at " + abs + ": " + oneLine(e), e);
        }
    }

    private static SearcherFactory searcherFactory() {
        return new SearcherFactory() {
            @Override
            public IndexSearcher newSearcher(org.apache.lucene.index.IndexReader reader,
                                             org.apache.lucene.index.IndexReader previous) {
                return new RunSearcher(reader);
            }
        };
    }

    /**
     * The index version of the latest commit. Refuses an index this version cannot read: written by a newer
     * dynalens, or not by dynalens at all.
     */
    private static int checkVersion(Directory directory, Path dir) throws IOException {
        String version = SegmentInfos.readLatestCommit(directory).getUserData().get(Schema.VERSION_KEY);
        if (version == null) {
            throw new IndexException("index at " + dir + " is not a dynalens index (no " + Schema.VERSION_KEY
                    + " in its commit data); delete it and run reindex");
        }
        int v;
        try {
            v = Integer.parseInt(version.trim());
        } catch (NumberFormatException e) {
            throw new IndexException("index at " + dir + " has an unreadable version '" + version + "'; delete it "
                    + "and run reindex", e);
        }
        if (v > Schema.INDEX_VERSION) {
            throw new IndexException("index at " + dir + " has version " + v + " but this dynalens reads index "
                    + "version " + Schema.INDEX_VERSION + "; upgrade dynalens, or delete the index and run reindex");
        }
        return v;
    }

    /** Where the index lives. */
    public Path dir() {
        return dir;
    }

    public boolean isReadOnly() {
        return writer == null;
    }

    // ---- writing ------------------------------------------------------------------------------------------------

    /** (Re)indexes one run and all its checkpoints from the archive, replacing what was indexed for it. */
    public void indexRun(RunArchive run) {
        indexRun(run.info(), ArchiveCheckpoints.read(run));
    }

    /** (Re)indexes one run from facts the caller already holds (used while a run trains). */
    public void indexRun(RunInfo info, List<CheckpointDoc> checkpoints) {
        IndexWriter w = writer();
        updates.readLock().lock();
        try {
            write(w, info, checkpoints);
        } finally {
            updates.readLock().unlock();
        }
        refresh();
    }

    /**
     * (Re)indexes many runs, making them searchable together at the end (one refresh, not one per run): the bulk
     * path for importing runs whose facts the caller already holds. {@code runs} may generate them lazily.
     *
     * @return the number of runs indexed
     */
    public int indexRuns(Iterable<IndexableRun> runs) {
        IndexWriter w = writer();
        int count = 0;
        updates.readLock().lock();
        try {
            for (IndexableRun run : runs) {
                write(w, run.info(), run.checkpoints());
                count++;
            }
        } finally {
            updates.readLock().unlock();
        }
        refresh();
        return count;
    }

    /** Replaces the run's whole block atomically: a search sees the old block or the new one, never a mix. */
    private void write(IndexWriter w, RunInfo info, List<CheckpointDoc> checkpoints) {
        List<Document> block = new RunDocuments(writtenKinds).block(info, checkpoints);
        try {
            w.updateDocuments(new Term(Schema.RUN_ID, info.id()), block);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot index run " + info.id() + ": " + oneLine(e), e);
        } catch (AlreadyClosedException e) {
            throw closedError(e);
        }
    }

    public void deleteRun(String runId) {
        IndexWriter w = writer();
        updates.readLock().lock();
        try {
            w.deleteDocuments(new Term(Schema.RUN_ID, runId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete run " + runId + " from the index: " + oneLine(e), e);
        } catch (AlreadyClosedException e) {
            throw closedError(e);
        } finally {
            updates.readLock().unlock();
        }
        refresh();
    }

    /** Deletes everything and indexes every run of the archive; returns the number of runs indexed. */
    public int reindex(Archive archive) {
        IndexWriter w = writer();
        int count = 0;
        updates.writeLock().lock();
        try {
            // searches see the old index until the commit below: deleteAll and the adds become visible together
            w.deleteAll();
            for (String id : archive.runIds()) {
                RunArchive run;
                RunInfo info;
                try {
                    run = archive.run(id);
                    info = run.info();
                } catch (ArchiveException e) {
                    LOG.warn("run {} not indexed: {}", id, e.getMessage());
                    continue;
                }
                try {
                    write(w, info, ArchiveCheckpoints.read(run));
                } catch (IllegalArgumentException e) {
                    // Lucene refused a document; the block is dropped whole and the other runs still count
                    LOG.warn("run {} not indexed: {}", id, oneLine(e));
                    continue;
                }
                count++;
            }
            commit(w);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reindex " + dir + ": " + oneLine(e), e);
        } catch (AlreadyClosedException e) {
            throw closedError(e);
        } finally {
            updates.writeLock().unlock();
        }
        refresh();
        return count;
    }

    /** Makes changes durable (Lucene commit) and visible to searches. */
    public void commit() {
        IndexWriter w = writer();
        try {
            commit(w);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit index " + dir + ": " + oneLine(e), e);
        } catch (AlreadyClosedException e) {
            throw closedError(e);
        }
        refresh();
    }

    private static void commit(IndexWriter w) throws IOException {
        w.setLiveCommitData(Map.of(Schema.VERSION_KEY, Integer.toString(Schema.INDEX_VERSION)).entrySet());
        w.commit();
    }

    /** Makes changes visible to searches without a commit. */
    public void refresh() {
        try {
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot refresh index " + dir + ": " + oneLine(e), e);
        } catch (AlreadyClosedException e) {
            throw closedError(e);
        }
    }

    private IndexWriter writer() {
        if (writer == null) throw new IllegalStateException("read-only index");
        if (closed) throw new IllegalStateException("index at " + dir + " is closed");
        return writer;
    }

    // ---- searching ----------------------------------------------------------------------------------------------

    /**
     * Runs matching a Lucene-syntax query ({@code task:mod-add AND test_loss:[0 TO 0.1]}), with the default facets
     * ({@link Schema#FACET_FIELDS}). See {@link #search(String, String, int, int, List)}.
     */
    public SearchResult search(String query, String sort, int offset, int limit) {
        return search(query, sort, offset, limit, null);
    }

    /**
     * Runs matching a Lucene-syntax query ({@code task:mod-add AND test_loss:[0 TO 0.1]}, with
     * {@code has_checkpoint:( ... )} groups for conditions that must hold on one checkpoint); an empty or blank query
     * matches every run.
     *
     * @param sort   null for relevance/id order, or a numeric field name, optionally prefixed with '-' for descending
     * @param offset first hit to return (paging)
     * @param limit  maximum hits to return
     * @param facets fields whose values to count over all matching runs (keyword or numeric, e.g. task, seed, tag,
     *               key_freqs); null for {@link Schema#FACET_FIELDS}, empty for none
     * @throws QueryException for a malformed query, an unknown sort field or a field that cannot be a facet
     */
    public SearchResult search(String query, String sort, int offset, int limit, List<String> facets) {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must be >= 0, got " + offset + " and " + limit);
        }
        List<String> facetFields = facets == null ? Schema.FACET_FIELDS : List.copyOf(facets);
        if (writer == null) {
            try {
                searchers.maybeRefresh();  // read-only: pick up what another process committed
            } catch (IOException e) {
                throw new UncheckedIOException("cannot refresh index " + dir + ": " + oneLine(e), e);
            } catch (AlreadyClosedException e) {
                throw closedError(e);
            }
        }
        return withSearcher(s -> {
            FacetCounts.check(s, facetFields);  // before the search: a bad facet name costs nothing
            Query runs = new BooleanQuery.Builder()
                    .add(s.parsed(query, text -> parser.parse(text, s.kinds())), Occur.MUST)
                    .add(RUNS_ONLY, Occur.FILTER)
                    .build();
            Sort order = sortOf(sort, s.kinds());
            boolean byRelevance = order.getSort()[0].getType() == SortField.Type.SCORE;
            int wanted = (int) Math.min((long) offset + limit, Math.max(1, s.getIndexReader().maxDoc()));
            FacetsCollectorManager.FacetsResult result;
            try {
                result = FacetsCollectorManager.search(s, runs, Math.max(1, wanted), order, byRelevance,
                        new FacetsCollectorManager());
            } catch (IndexSearcher.TooManyClauses e) {
                throw new QueryException("query '" + query + "' expands to too many terms; make wildcards more "
                        + "specific", -1, e);
            }
            long total = 0;
            for (FacetsCollector.MatchingDocs m : result.facetsCollector().getMatchingDocs()) total += m.totalHits;
            return new SearchResult(total, hits(s, result.topDocs(), offset, limit),
                    FacetCounts.count(s, result.facetsCollector(), facetFields));
        });
    }

    /** Names of the numeric fields: what range queries and {@code sort} accept. */
    public Set<String> numericFields() {
        return withSearcher(s -> s.kinds().numericFields());
    }

    private Sort sortOf(String sort, FieldKinds kinds) {
        if (sort == null || sort.isBlank()) return new Sort(SortField.FIELD_SCORE, BY_ID);
        String s = sort.trim();
        boolean descending = s.startsWith("-");
        String field = descending || s.startsWith("+") ? s.substring(1) : s;
        if (field.equals(Schema.ID)) return new Sort(new SortField(Schema.ID, SortField.Type.STRING, descending));
        Schema.Kind kind = kinds.kind(field).filter(Schema.Kind::numeric).orElseThrow(() -> new QueryException(
                "unknown sort field '" + field + "': sort by id or a numeric field (" + kinds.numericFields() + ")",
                -1, null));
        SortedNumericSortField byField;
        if (kind == Schema.Kind.LONG) {
            byField = new SortedNumericSortField(field, SortField.Type.LONG, descending);
            byField.setMissingValue(descending ? Long.MIN_VALUE : Long.MAX_VALUE);
        } else {
            byField = new SortedNumericSortField(field, SortField.Type.DOUBLE, descending);
            byField.setMissingValue(descending ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        }
        // runs without the field come last either way; ties in id order so paging is stable
        return new Sort(byField, BY_ID);
    }

    private static List<RunHit> hits(IndexSearcher s, TopDocs top, int offset, int limit) throws IOException {
        List<RunHit> hits = new ArrayList<>();
        StoredFields stored = s.storedFields();
        ScoreDoc[] docs = top.scoreDocs;
        for (int i = offset; i < docs.length && i < (long) offset + limit; i++) {
            Map<String, Object> fields = fields(stored.document(docs[i].doc));
            hits.add(new RunHit((String) fields.get(Schema.ID), docs[i].score, fields));
        }
        return hits;
    }

    /** Stored fields of a run: numbers as Long/Double, keywords as String, list-valued fields as List. */
    private static Map<String, Object> fields(Document doc) {
        Set<String> lists = new HashSet<>(List.of(doc.getValues(Schema.LISTS))); // Set.of's probing showed in profiles
        Map<String, Object> out = new LinkedHashMap<>();
        for (IndexableField f : doc.getFields()) {
            if (f.name().equals(Schema.LISTS)) continue;
            Object value = f.numericValue() != null ? f.numericValue() : f.stringValue();
            if (lists.contains(f.name())) {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) out.computeIfAbsent(f.name(), k -> new ArrayList<>());
                list.add(value);
            } else {
                out.put(f.name(), value);
            }
        }
        return out;
    }

    private interface SearcherWork<T> {
        T apply(RunSearcher searcher) throws IOException;
    }

    /** Runs {@code work} on the current searcher; Lucene's exceptions leave as ours. */
    private <T> T withSearcher(SearcherWork<T> work) {
        IndexSearcher s;
        try {
            s = searchers.acquire();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot search index " + dir + ": " + oneLine(e), e);
        } catch (AlreadyClosedException e) {
            throw closedError(e);
        }
        try {
            return work.apply((RunSearcher) s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot search index " + dir + ": " + oneLine(e), e);
        } catch (AlreadyClosedException e) {
            throw closedError(e);
        } finally {
            try {
                searchers.release(s);
            } catch (IOException e) {
                LOG.warn("could not release a searcher of {}: {}", dir, oneLine(e));
            }
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------------------------------

    /** Commits pending changes (a writable index) and releases the index; later calls do nothing. */
    @Override
    public void close() {
        updates.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            IOException failure = null;
            if (writer != null && writer.hasUncommittedChanges()) {
                try {
                    commit(writer);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("could not commit index {} on close: {}", dir, oneLine(e));
                }
            }
            for (Closeable c : new Closeable[] {searchers, writer, directory, analyzer}) {
                try {
                    if (c != null) c.close();
                } catch (IOException e) {
                    if (failure == null) failure = e;
                }
            }
            if (failure != null) throw new UncheckedIOException("cannot close index " + dir + ": " + oneLine(failure), failure);
        } finally {
            updates.writeLock().unlock();
        }
    }

    private IllegalStateException closedError(AlreadyClosedException e) {
        return new IllegalStateException("index at " + dir + " is closed", e);
    }

    private static void closeQuietly(Closeable c) {
        try {
            if (c != null) c.close();
        } catch (IOException | RuntimeException ignored) {
            // already failing; the first error is the one to report
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
        return m.replaceAll("\\s+", " ").trim();
    }
}
