package org.dynalens.indexer;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.List;

/**
 * The Lucene index over an archive: one parent document per run and one child document per checkpoint, written
 * as a block. The archive is the source of truth; {@link #reindex(Archive)} rebuilds this index from it.
 *
 * <p>Search is near-real-time: a run indexed through this instance is searchable after {@link #refresh()}.
 */
public final class RunIndex implements Closeable {

    /** Opens (creating if needed) the index at {@code dir} for reading and writing. */
    public static RunIndex open(Path dir) {
        throw new UnsupportedOperationException("TODO");
    }

    /** (Re)indexes one run and all its checkpoints from the archive, replacing what was indexed for it. */
    public void indexRun(RunArchive run) {
        throw new UnsupportedOperationException("TODO");
    }

    /** (Re)indexes one run from facts the caller already holds (used while a run trains). */
    public void indexRun(RunInfo info, List<CheckpointDoc> checkpoints) {
        throw new UnsupportedOperationException("TODO");
    }

    public void deleteRun(String runId) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Deletes everything and indexes every run of the archive; returns the number of runs indexed. */
    public int reindex(Archive archive) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Makes changes durable (Lucene commit) and visible to searches. */
    public void commit() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Makes changes visible to searches without a commit. */
    public void refresh() {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Runs matching a Lucene-syntax query ({@code task:mod-add AND test_loss:[0 TO 0.1]}); an empty or blank query
     * matches every run.
     *
     * @param sort   null for relevance/id order, or a numeric field name, optionally prefixed with '-' for descending
     * @param offset first hit to return (paging)
     * @param limit  maximum hits to return
     * @throws QueryException for a malformed query or an unknown sort field
     */
    public SearchResult search(String query, String sort, int offset, int limit) {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("TODO");
    }
}
