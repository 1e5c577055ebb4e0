package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.IndexException;
import org.dynalens.indexer.RunIndex;

/** Index housekeeping shared by commands. */
final class Indexes {

    private Indexes() {
    }

    /**
     * Builds the index from the archive when it is missing or holds fewer runs than the archive (e.g. the index
     * directory was deleted). Leaves it alone when another process is writing it.
     */
    static void ensureBuilt(Archive archive) {
        int runs = archive.runIds().size();
        try (RunIndex index = RunIndex.open(archive.indexDir())) {
            if (index.search("", null, 0, 0).total() < runs) {
                int n = index.reindex(archive);
                System.out.println("indexed " + n + " run(s) from the archive");
            }
        } catch (IndexException e) {
            System.err.println("note: " + e.getMessage());
        }
    }

    /** Opens the index for writing, or returns null (with a note) when another process holds it. */
    static RunIndex openForWritingOrNull(Archive archive) {
        try {
            return RunIndex.open(archive.indexDir());
        } catch (IndexException e) {
            System.err.println("note: not indexing this run now (" + e.getMessage() + "); run `dynalens reindex` later");
            return null;
        }
    }
}
