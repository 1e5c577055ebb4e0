package org.dynalens.server;

import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.HeadRoleFlags;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;
import org.dynalens.indexer.RunHit;
import org.dynalens.indexer.RunIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Checkpoints indexed live while a run trains carry their head roles, exactly as a reindex from the archive does:
 * real archive, real index, the listener called as the trainer calls it.
 */
class IndexingListenerHeadRolesTest {

    @TempDir
    Path tmp;

    @Test
    void headRolesAreSearchableAsSoonAsTheCheckpointIsWritten() {
        Archive archive = Archive.open(tmp.resolve("archive"));
        RunInfo info = new RunInfo("seq-1", "repeated-tokens", 0, Instant.parse("2026-01-01T00:00:00Z"),
                Map.of("n_layers", 2), Map.of(), Map.of("status", "running"));
        RunArchive run = archive.createRun(info);
        String query = "has_checkpoint:(head_roles:\"L1H0=induction\" AND step:[0 TO 500])";
        try (RunIndex index = RunIndex.open(archive.indexDir())) {
            IndexingListener listener = new IndexingListener(archive, index);
            listener.onStart(info, 0, 1000);
            for (long step : new long[] {0, 400, 1000}) {
                int[] flags = step == 0 ? new int[4] : new int[] {0, HeadRoleFlags.PREVIOUS_TOKEN, HeadRoleFlags.INDUCTION, 0};
                Checkpoint c = new Checkpoint(step, Map.of("params/embed.W_E", Tensor.of(new float[] {1, 2}, 1, 2),
                        "analysis/head_roles", Tensor.of(flags, 2, 2)), Map.of("test_loss", 1.0));
                run.writeCheckpoint(c);
                listener.onCheckpoint(info, c);
                List<String> hits = index.search(query, "id", 0, 10).hits().stream().map(RunHit::id).toList();
                assertEquals(step >= 400 ? List.of("seq-1") : List.of(), hits, "after step " + step);
            }
            listener.onFinish(info);
            index.reindex(archive);
            assertEquals(List.of("seq-1"), index.search(query, "id", 0, 10).hits().stream().map(RunHit::id).toList(),
                    "the same after a reindex");
        }
    }
}
