package org.dynalens.sweep;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Checkpoint;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import org.dynalens.server.IndexingListener;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Trains (or resumes) one run the way {@code dynalens train} does: every checkpoint archived and, when an index is
 * given, indexed as it lands. {@code dynalens train}, the local sweep pool and distributed sweep workers all go
 * through here.
 */
public final class RunTrainer {

    private RunTrainer() {
    }

    /**
     * @param index    the archive's index open for writing, or null to leave indexing to someone else (e.g. the
     *                 coordinator of a distributed sweep, the single index writer)
     * @param progress progress display (or any other listener)
     * @param sweepId  the sweep the run belongs to, or null: its id is added to the run's summary when the run
     *                 finishes, and to the indexed documents while it trains
     */
    public static RunArchive train(RunConfig cfg, Archive archive, RunIndex index, TrainingListener progress, String sweepId) {
        TrainingListener listener = progress;
        if (index != null) {
            TrainingListener indexing = new IndexingListener(archive, index);
            if (sweepId != null) indexing = mapInfo(indexing, info -> SweepStore.tagged(info, sweepId));
            listener = TrainingListener.all(progress, indexing);
        }
        RunArchive run = TrainingRun.train(cfg, archive, listener);
        if (sweepId != null) {
            SweepStore.tag(run, sweepId);
            if (index != null) {
                index.indexRun(run);
                index.commit();
            }
        }
        return run;
    }

    /** A listener that hands {@code l} every event with the run info passed through {@code f}. */
    static TrainingListener mapInfo(TrainingListener l, UnaryOperator<RunInfo> f) {
        return new TrainingListener() {
            @Override
            public void onStart(RunInfo info, long startStep, long totalSteps) {
                l.onStart(f.apply(info), startStep, totalSteps);
            }

            @Override
            public void onStep(long step, double trainLoss) {
                l.onStep(step, trainLoss);
            }

            @Override
            public void onEval(long step, Map<String, Double> metrics) {
                l.onEval(step, metrics);
            }

            @Override
            public void onCheckpoint(RunInfo info, Checkpoint checkpoint) {
                l.onCheckpoint(f.apply(info), checkpoint);
            }

            @Override
            public void onAnalysis(RunInfo info, Checkpoint analysed, Map<String, List<String>> keywords) {
                l.onAnalysis(f.apply(info), analysed, keywords);
            }

            @Override
            public void onFinish(RunInfo info) {
                l.onFinish(f.apply(info));
            }
        };
    }
}
