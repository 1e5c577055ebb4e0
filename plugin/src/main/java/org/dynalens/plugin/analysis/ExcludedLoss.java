package org.dynalens.plugin.analysis;

import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.Task;

/**
 * Excluded loss (Nanda et al. 2023 sec. 5.1): the logits with the key frequencies' cos/sin(w_k(a + b)) components
 * removed (all key frequencies at once, nothing added back), as cross-entropy over the training pairs. While the
 * model memorises it stays near the train loss; it rises during circuit formation, when the training set comes to
 * be fit through the key frequencies. Uses the same key frequencies as {@link RestrictedLoss}.
 *
 * <p>Measure {@code excluded_loss}.
 */
public final class ExcludedLoss implements Analysis {

    @Override
    public String name() {
        return "excluded_loss";
    }

    @Override
    public boolean appliesTo(Task task) {
        return KeyFrequencyComponents.appliesTo(task);
    }

    @Override
    public AnalysisResult analyze(AnalysisInput in) {
        ModularGrid grid = in.grid();
        int p = grid.p(), classes = grid.classes();
        double[] logits = grid.logits();
        double[] trig = KeyFrequencyComponents.of(logits, p, classes, in.modular().linearForm().orElseThrow(),
                in.lossKeyFrequencies());
        double[] excluded = new double[logits.length];
        for (int i = 0; i < excluded.length; i++) excluded[i] = logits[i] - trig[i];
        Examples train = in.split().train();
        return AnalysisResult.ofMeasure("excluded_loss",
                ModularGrid.crossEntropy(excluded, classes, grid.rowsOf(train), train.labels()));
    }
}
