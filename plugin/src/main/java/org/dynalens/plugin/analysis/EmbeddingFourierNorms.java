package org.dynalens.plugin.analysis;

import org.dynalens.archive.Tensor;
import org.dynalens.plugin.task.Task;

import java.util.Map;

/**
 * Fourier spectrum of the embedding (Nanda et al. 2023 sec. 4.1, fig. 3: "the embedding matrix W_E is sparse in the
 * Fourier basis"): the norm of each Fourier component of W_E's rows for the p number tokens (the {@code =} row is
 * left out), and its Gini coefficient (sec. 5.1, fig. 7).
 *
 * <p>Tensors {@code fourier_norms_W_E} (float64 [p]: const, cos 1, sin 1, ...) and {@code freq_norms_W_E} (float64
 * [(p-1)/2], per frequency k = 1..); measure {@code gini_W_E} (of the [p] component norms).
 */
public final class EmbeddingFourierNorms implements Analysis {

    @Override
    public String name() {
        return "fourier_W_E";
    }

    @Override
    public boolean appliesTo(Task task) {
        return KeyFrequencyComponents.appliesTo(task);
    }

    @Override
    public AnalysisResult analyze(AnalysisInput in) {
        int p = in.modular().p();
        Tensor wE = in.weight("embed.W_E");
        int dModel = wE.shape()[1];
        double[] numbers = new double[p * dModel];
        double[] all = wE.doubles();
        System.arraycopy(all, 0, numbers, 0, numbers.length); // rows 0..p-1 are the tokens for 0..p-1
        double[] norms = FourierBasis.of(p).componentNorms(numbers, dModel);
        return new AnalysisResult(Map.of("gini_W_E", Gini.of(norms)),
                Map.of("fourier_norms_W_E", Tensor.vector(norms),
                        "freq_norms_W_E", Tensor.vector(FourierBasis.frequencyNorms(norms))),
                Map.of());
    }
}
