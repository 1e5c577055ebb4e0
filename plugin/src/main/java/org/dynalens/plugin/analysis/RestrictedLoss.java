package org.dynalens.plugin.analysis;

import org.dynalens.archive.Tensor;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.Task;

import java.util.Map;

/**
 * Restricted loss (Nanda et al. 2023 sec. 5.1): the loss of the logits restricted to the key frequencies'
 * directions cos/sin(w_k(a + b)), plus each class's mean logit over all inputs (the paper's "bias correction":
 * {@code trig + mean_batch(logits - trig)}), as cross-entropy over all p^2 pairs. It falls when the generalising
 * circuit forms, before test loss does.
 *
 * <p>Measure {@code restricted_loss}; tensor {@code loss_key_freqs}: the key frequencies it (and the excluded loss)
 * used: this checkpoint's own during training, the final checkpoint's after {@code dynalens analyze}.
 */
public final class RestrictedLoss implements Analysis {

    @Override
    public String name() {
        return "restricted_loss";
    }

    @Override
    public boolean appliesTo(Task task) {
        return KeyFrequencyComponents.appliesTo(task);
    }

    @Override
    public AnalysisResult analyze(AnalysisInput in) {
        ModularGrid grid = in.grid();
        int p = grid.p(), classes = grid.classes();
        int[] freqs = in.lossKeyFrequencies();
        double[] logits = grid.logits();
        double[] trig = KeyFrequencyComponents.of(logits, p, classes, in.modular().linearForm().orElseThrow(), freqs);
        double[] meanResidual = new double[classes];
        for (int r = 0; r < p * p; r++) {
            for (int c = 0; c < classes; c++) meanResidual[c] += logits[r * classes + c] - trig[r * classes + c];
        }
        for (int c = 0; c < classes; c++) meanResidual[c] /= (double) p * p;
        double[] restricted = new double[trig.length];
        for (int r = 0; r < p * p; r++) {
            for (int c = 0; c < classes; c++) restricted[r * classes + c] = trig[r * classes + c] + meanResidual[c];
        }
        Examples all = in.task().allExamples();
        double loss = ModularGrid.crossEntropy(restricted, classes, grid.rowsOf(all), all.labels());
        return new AnalysisResult(Map.of("restricted_loss", loss), Map.of("loss_key_freqs", Tensor.vector(freqs)), Map.of());
    }
}
