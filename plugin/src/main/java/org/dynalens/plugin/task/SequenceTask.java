package org.dynalens.plugin.task;

import java.util.Map;

/**
 * A next-token task: sequences of {@link #contextLength()} tokens, a target at every position (the token the model
 * should predict there) and a mask of the positions whose loss counts. Unlike a {@link Task}, the data are an
 * endless stream: {@link #batch(long, long, int)} draws the batch of a training step from {@code (seed, step)} alone,
 * so training is reproducible and resumes bitwise identically without any random-number state in the checkpoint.
 *
 * <p>A new sequence task is one class implementing {@link SequenceTaskFactory} plus one line in
 * {@code META-INF/services/org.dynalens.plugin.task.SequenceTaskFactory}.
 */
public interface SequenceTask {

    /** Registry name, e.g. {@code repeated-tokens}. */
    String name();

    /** Number of distinct tokens (input and output vocabulary: the model predicts tokens). */
    int vocab();

    /** Length of every sequence (the model's n_ctx). */
    int contextLength();

    /** The batch of training step {@code step}: a pure function of its arguments. */
    SequenceBatch batch(long seed, long step, int batchSize);

    /**
     * Named groups of positions whose mean loss is worth its own metric ({@code loss_<name>}), e.g. the repeated
     * half of repeated random tokens, or each answer digit of addition. Positions must be counted by the mask.
     */
    default Map<String, int[]> lossGroups() {
        return Map.of();
    }

    /** A readable form of token {@code id} for views such as attention heatmaps; the id itself by default. */
    default String tokenText(int id) {
        return Integer.toString(id);
    }

    /**
     * A seed for the fixed evaluation stream of a run: evaluation batches never coincide with training batches
     * (training uses steps 0, 1, 2, ... of {@code seed}; evaluation uses this seed).
     */
    static long evaluationSeed(long seed) {
        return Batches.mix(seed, 0x5eed_e7a1L);
    }
}
