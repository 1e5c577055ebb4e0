package org.dynalens.plugin.analysis;

import org.dynalens.archive.Tensor;
import org.dynalens.plugin.task.Task;

import java.util.Map;

/**
 * Fourier spectrum of the neuron-logit map W_L = W_U^T W_out (paper notation; [p, d_mlp], how each neuron writes to
 * each logit): in TransformerLens's shapes {@code W_L[c, n] = sum_d W_out[n, d] W_U[d, c]}. Nanda et al. 2023 sec.
 * 4.1 and 5.1: W_L becomes sparse in the Fourier basis over the output c, and its Gini coefficient rises.
 *
 * <p>Tensors {@code fourier_norms_W_L} (float64 [p]) and {@code freq_norms_W_L} (float64 [(p-1)/2]); measure
 * {@code gini_W_L}.
 */
public final class NeuronLogitFourierNorms implements Analysis {

    @Override
    public String name() {
        return "fourier_W_L";
    }

    @Override
    public boolean appliesTo(Task task) {
        return KeyFrequencyComponents.appliesTo(task) && task.outputVocab() == ((org.dynalens.plugin.task.ModularArithmetic) task).p();
    }

    @Override
    public AnalysisResult analyze(AnalysisInput in) {
        int p = in.modular().p();
        Tensor wOut = in.weight("blocks.0.mlp.W_out");  // [d_mlp, d_model]
        Tensor wU = in.weight("unembed.W_U");           // [d_model, p]
        int dMlp = wOut.shape()[0], dModel = wOut.shape()[1];
        double[] out = wOut.doubles(), u = wU.doubles();
        double[] wL = new double[p * dMlp];             // [p, d_mlp]
        for (int n = 0; n < dMlp; n++) {
            for (int d = 0; d < dModel; d++) {
                double w = out[n * dModel + d];
                for (int c = 0; c < p; c++) wL[c * dMlp + n] += w * u[d * p + c];
            }
        }
        double[] norms = FourierBasis.of(p).componentNorms(wL, dMlp);
        return new AnalysisResult(Map.of("gini_W_L", Gini.of(norms)),
                Map.of("fourier_norms_W_L", Tensor.vector(norms),
                        "freq_norms_W_L", Tensor.vector(FourierBasis.frequencyNorms(norms))),
                Map.of());
    }
}
