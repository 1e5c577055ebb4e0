package org.dynalens.server;

import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.indexer.CheckpointDoc;
import org.dynalens.indexer.CheckpointKeywords;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.train.TrainingListener;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;

/** Keeps the index in step with a training run: each checkpoint is searchable as soon as it is archived. */
public final class IndexingListener implements TrainingListener {

    private final Archive archive;
    private final RunIndex index;
    /** By step: a checkpoint is indexed when written and again, with its measures and key frequencies, when analysed. */
    private final TreeMap<Long, CheckpointDoc> checkpoints = new TreeMap<>();

    public IndexingListener(Archive archive, RunIndex index) {
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
                Map<String, Double> metrics = new LinkedHashMap<>(run.readCheckpointMetrics(step));
                metrics.putAll(run.readCheckpointMeasures(step));
                Map<String, List<String>> keywords = CheckpointKeywords.of(name -> {
                    try {
                        return run.readTensor(step, Checkpoint.ANALYSIS + name);
                    } catch (ArchiveException.NotFound e) {
                        return null; // not analysed (yet)
                    }
                });
                checkpoints.put(step, new CheckpointDoc(step, metrics, keywords));
            } catch (ArchiveException e) {
                // an unreadable old checkpoint is simply not searchable; training goes on
            }
        }
        index.indexRun(info, docs());
    }

    @Override
    public void onCheckpoint(RunInfo info, Checkpoint checkpoint) {
        // analyses written with the checkpoint (e.g. head roles of a sequence run) are searchable at once
        checkpoints.put(checkpoint.step(), new CheckpointDoc(checkpoint.step(), checkpoint.metrics(),
                CheckpointKeywords.of(checkpoint.withPrefix(Checkpoint.ANALYSIS)::get)));
        index.indexRun(info, docs());
        index.commit(); // durable, and visible to servers that read the index from another process
    }

    @Override
    public void onAnalysis(RunInfo info, Checkpoint analysed, Map<String, List<String>> keywords) {
        Map<String, Double> metrics = new LinkedHashMap<>(analysed.metrics());
        metrics.putAll(analysed.measures());
        checkpoints.put(analysed.step(), new CheckpointDoc(analysed.step(), metrics, keywords));
        index.indexRun(info, docs());
        index.commit();
    }

    @Override
    public void onFinish(RunInfo info) {
        index.indexRun(info, docs());
        index.commit();
    }

    private List<CheckpointDoc> docs() {
        return new ArrayList<>(checkpoints.values());
    }
}
