package org.dynalens.plugin.analysis;

import org.dynalens.plugin.task.Task;

/**
 * A measure of one checkpoint: a pure function of (task, checkpoint weights, data split). Analyses run for every
 * checkpoint while a run trains and again on demand ({@code dynalens analyze}); their results go into the
 * checkpoint's {@code analysis/} group, the run's {@code measures.h5} and the index.
 *
 * <p>A new analysis is one class plus one line in {@code META-INF/services/org.dynalens.plugin.analysis.Analysis}.
 */
public interface Analysis {

    /** Short registry name, e.g. {@code restricted_loss}. */
    String name();

    /** Whether this analysis means something for the task (e.g. Fourier measures need arithmetic mod p). */
    boolean appliesTo(Task task);

    /** Computes the analysis; must not modify the input and must give the same result for the same input. */
    AnalysisResult analyze(AnalysisInput in);
}
