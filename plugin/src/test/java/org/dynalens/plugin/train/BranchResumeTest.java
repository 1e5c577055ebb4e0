package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A branched run killed before its first checkpoint starts again from its parent, not from the seed. */
class BranchResumeTest {

    @TempDir
    Path tmp;

    @Test
    void branchKilledBeforeItsFirstCheckpointRestartsFromTheParent() {
        Archive a = Archive.open(tmp);
        RunConfig parentCfg = RunConfig.fromMap(Map.of("p", 23, "steps", 20, "checkpoint_every", 10, "d_model", 32,
                "n_heads", 2, "d_head", 16, "d_mlp", 64));
        RunArchive parent = TrainingRun.train(parentCfg, a, new TrainingListener() {
        }, List.of());
        RunConfig child = parentCfg.withParent(parent.id(), 10).withSteps(10);
        assertThrows(ResumeTest.Killed.class, () -> TrainingRun.train(child, a, new TrainingListener() {
            @Override
            public void onStart(RunInfo info, long startStep, long totalSteps) {
                throw new ResumeTest.Killed();
            }
        }, List.of()));
        assertTrue(a.run(child.resolvedRunId()).checkpointSteps().isEmpty());
        RunArchive resumed = TrainingRun.train(child, a, new TrainingListener() {
        }, List.of());
        assertEquals(parent.readCheckpoint(10).params(), resumed.readCheckpoint(0).params());
    }
}
