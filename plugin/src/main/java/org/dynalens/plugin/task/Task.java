package org.dynalens.plugin.task;

/**
 * A supervised task that makes its own data: every example is a short token sequence and the label is the token
 * the model must predict after it. Implementations are pure and deterministic given their parameters.
 *
 * <p>A new task is one class implementing {@link TaskFactory} plus one line in
 * {@code META-INF/services/org.dynalens.plugin.task.TaskFactory}; nothing else changes.
 */
public interface Task {

    /** Registry name, e.g. {@code mod-add}. */
    String name();

    /** Number of distinct input tokens. */
    int inputVocab();

    /** Number of distinct labels (output logits). */
    int outputVocab();

    /** Length of every input sequence. */
    int contextLength();

    /** Every example of the task in a fixed order; splits are taken from it. */
    Examples allExamples();
}
