package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.indexer.CheckpointDoc;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.train.TrainingListener;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Keeps the index in step with a training run: each checkpoint is searchable as soon as it is archived. */
final class IndexingListener implements TrainingListener {

    private final Archive archive;
    private final RunIndex index;
    private final List<CheckpointDoc> checkpoints = new ArrayList<>();

    IndexingListener(Archive archive, RunIndex index) {
        this.archive = archive;
        this.index = index;
    }

    @Override
    public void onStart(RunInfo info, long startStep, long totalSteps) {
        // a resumed run: the checkpoints before the resume point are already archived
        RunArchive run = archive.run(info.id());
        for (long step : run.checkpointSteps()) {
            if (step >= startStep) break;
            try {
                checkpoints.add(new CheckpointDoc(step, run.readCheckpointMetrics(step), Map.of()));
            } catch (ArchiveException e) {
                // an unreadable old checkpoint is simply not searchable; training goes on
            }
        }
        index.indexRun(info, checkpoints);
    }

    @Override
    public void onCheckpoint(RunInfo info, Checkpoint checkpoint) {
        checkpoints.add(new CheckpointDoc(checkpoint.step(), checkpoint.metrics(), Map.of()));
        index.indexRun(info, checkpoints);
        index.commit(); // durable, and visible to servers that read the index from another process
    }

    @Override
    public void onFinish(RunInfo info) {
        index.indexRun(info, checkpoints);
        index.commit();
    }
}
