package org.dynalens.indexer;

import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.HeadRoleFlags;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Head roles on checkpoint documents, over a real archive and a real Lucene index. Two 2-layer runs with 2 heads,
 * checkpoints at steps 0, 400 and 1000, roles stored as the trainer stores them ({@code analysis/head_roles} bit
 * flags, plus the latest roles in the run summary):
 * <pre>
 * early  step 0: none   step 400: L0H1=previous-token, L1H0=induction   step 1000: the same
 * late   step 0: none   step 400: L0H1=previous-token                   step 1000: L0H1=previous-token, L1H0=induction
 * plain  no head_roles analysis at all (a grokking run)
 * </pre>
 */
class HeadRoleIndexTest {

    private static final int PREV = HeadRoleFlags.PREVIOUS_TOKEN;
    private static final int IND = HeadRoleFlags.INDUCTION;

    @TempDir
    Path tmp;
    private Archive archive;
    private RunIndex index;

    @BeforeEach
    void setUp() {
        archive = Archive.open(tmp.resolve("archive"));
        run("early", new int[][] {{0, 0, 0, 0}, {0, PREV, IND, 0}, {0, PREV, IND, 0}});
        run("late", new int[][] {{0, 0, 0, 0}, {0, PREV, 0, 0}, {0, PREV, IND, 0}});
        run("plain", null);
        index = RunIndex.open(tmp.resolve("index"));
        for (String id : archive.runIds()) index.indexRun(archive.run(id));
    }

    @AfterEach
    void tearDown() {
        if (index != null) index.close();
    }

    private void run(String id, int[][] rolesByCheckpoint) {
        long[] steps = {0, 400, 1000};
        List<String> latest = rolesByCheckpoint == null ? List.of()
                : HeadRoleFlags.names(rolesByCheckpoint[steps.length - 1], 2);
        RunArchive run = archive.createRun(new RunInfo(id, "repeated-tokens", 0, Instant.parse("2026-01-01T00:00:00Z"),
                Map.of("n_layers", 2), Map.of(), Map.of("status", "finished", "head_roles", latest)));
        for (int i = 0; i < steps.length; i++) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("params/embed.W_E", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
            if (rolesByCheckpoint != null) tensors.put("analysis/head_roles", Tensor.of(rolesByCheckpoint[i], 2, 2));
            run.writeCheckpoint(new Checkpoint(steps[i], tensors, Map.of("test_loss", 3.0 - i)));
        }
    }

    private List<String> ids(String query) {
        return index.search(query, "id", 0, 100).hits().stream().map(RunHit::id).toList();
    }

    @Test
    void aRoleWithinAStepRangeFindsTheRunsWhoseCheckpointHadIt() {
        assertEquals(List.of("early"), ids("has_checkpoint:(head_roles:\"L1H0=induction\" AND step:[0 TO 500])"));
        assertEquals(List.of("early", "late"), ids("has_checkpoint:(head_roles:\"L1H0=induction\")"));
        assertEquals(List.of("early", "late"), ids("has_checkpoint:(head_roles:\"L0H1=previous-token\" AND step:400)"));
        assertEquals(List.of("late"), ids("has_checkpoint:(head_roles:\"L0H1=previous-token\" AND NOT head_roles:\"L1H0=induction\")"),
                "late had a previous-token head before its induction head");
        assertEquals(List.of(), ids("has_checkpoint:(head_roles:\"L1H0=induction\" AND step:0)"));
        assertEquals(List.of(), ids("has_checkpoint:(head_roles:\"L1H1=induction\")"));
    }

    @Test
    void theRunDocumentKeepsTheLatestRoles() {
        assertEquals(List.of("early", "late"), ids("head_roles:\"L1H0=induction\""));
        Map<String, Long> facet = index.search("", null, 0, 0, List.of("head_roles")).facets().get("head_roles");
        assertEquals(Map.of("L0H1=previous-token", 2L, "L1H0=induction", 2L), facet);
    }

    @Test
    void reindexingFromTheArchiveGivesTheSameAnswers() {
        index.reindex(archive);
        assertEquals(List.of("early"), ids("has_checkpoint:(head_roles:\"L1H0=induction\" AND step:[0 TO 500])"));
        assertEquals(List.of("late"), ids("has_checkpoint:(head_roles:\"L0H1=previous-token\" AND step:[0 TO 500] AND NOT head_roles:\"L1H0=induction\")"));
    }

    @Test
    void flagsDecodeToEveryRoleOfEveryHead() {
        assertEquals(List.of("L0H1=previous-token", "L0H1=duplicate-token", "L0H1=induction", "L1H0=induction"),
                HeadRoleFlags.names(Tensor.of(new int[] {0, PREV | HeadRoleFlags.DUPLICATE_TOKEN | IND, IND, 0}, 2, 2)));
        assertEquals(Map.of(), CheckpointKeywords.of(name -> null));
        assertEquals(Map.of("head_roles", List.of("L1H0=induction")),
                CheckpointKeywords.of(Map.of("head_roles", Tensor.of(new int[] {0, 0, IND, 0}, 2, 2))::get));
    }
}
