package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code dynalens reindex}: rebuilds the index from the archive, the source of truth. */
@Command(name = "reindex", description = "Rebuild the search index from the archive.")
final class ReindexCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;

    @Override
    public Integer call() {
        Archive a = archive.open();
        try (RunIndex index = RunIndex.open(a.indexDir())) {
            int n = index.reindex(a);
            System.out.println("indexed " + n + " run(s) from " + a.root());
        }
        return 0;
    }
}
