package org.dynalens.plugin.train;

import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunInfo;

import java.util.List;
import java.util.Map;

/** Hooks into a training run: progress display, indexing, live updates. Called on the training thread. */
public interface TrainingListener {

    /** Training starts (or resumes) at {@code startStep} of {@code totalSteps}. */
    default void onStart(RunInfo info, long startStep, long totalSteps) {
    }

    /** After the forward pass of every step: the train loss of the weights at {@code step}. */
    default void onStep(long step, double trainLoss) {
    }

    /** At every evaluation step, with every metric of the weights at {@code step}. */
    default void onEval(long step, Map<String, Double> metrics) {
    }

    /** A checkpoint was written durably to the archive; {@code info} is the run's updated info. */
    default void onCheckpoint(RunInfo info, Checkpoint checkpoint) {
    }

    /**
     * A checkpoint's analyses finished: {@code analysed} is the checkpoint as rewritten with its {@code analysis/}
     * group ({@link Checkpoint#measures()} holds the scalar measures), {@code keywords} the keyword facts for the
     * index (e.g. {@code key_freqs}). Analyses run in the background, so this comes some steps after
     * {@link #onCheckpoint}, but always on the training thread and always before {@link #onFinish}.
     */
    default void onAnalysis(RunInfo info, Checkpoint analysed, Map<String, List<String>> keywords) {
    }

    /** The run reached its last step. */
    default void onFinish(RunInfo info) {
    }

    /** A listener that forwards every event to each of {@code listeners}, in order. */
    static TrainingListener all(TrainingListener... listeners) {
        List<TrainingListener> ls = List.of(listeners);
        return new TrainingListener() {
            @Override
            public void onStart(RunInfo info, long startStep, long totalSteps) {
                ls.forEach(l -> l.onStart(info, startStep, totalSteps));
            }

            @Override
            public void onStep(long step, double trainLoss) {
                ls.forEach(l -> l.onStep(step, trainLoss));
            }

            @Override
            public void onEval(long step, Map<String, Double> metrics) {
                ls.forEach(l -> l.onEval(step, metrics));
            }

            @Override
            public void onCheckpoint(RunInfo info, Checkpoint checkpoint) {
                ls.forEach(l -> l.onCheckpoint(info, checkpoint));
            }

            @Override
            public void onAnalysis(RunInfo info, Checkpoint analysed, Map<String, List<String>> keywords) {
                ls.forEach(l -> l.onAnalysis(info, analysed, keywords));
            }

            @Override
            public void onFinish(RunInfo info) {
                ls.forEach(l -> l.onFinish(info));
            }
        };
    }
}
