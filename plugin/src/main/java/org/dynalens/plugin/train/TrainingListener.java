package org.dynalens.plugin.train;

import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunInfo;

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

    /** The run reached its last step. */
    default void onFinish(RunInfo info) {
    }
}
