package org.dynalens.plugin.analysis;

import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.ModularAddition;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The Fourier basis, Fourier norms of W_E and W_L, and the Gini coefficient on cases with known answers. */
class FourierMeasuresTest {

    @Test
    void fourierBasisIsOrthonormal() {
        for (int p : new int[] {3, 23, 113}) {
            FourierBasis b = FourierBasis.of(p);
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    double dot = 0;
                    for (int x = 0; x < p; x++) dot += b.at(i, x) * b.at(j, x);
                    assertEquals(i == j ? 1 : 0, dot, 1e-12, "p=" + p + " <" + i + "," + j + ">");
                }
            }
        }
        assertEquals(1 / Math.sqrt(23), FourierBasis.of(23).at(0, 5), 1e-15);
        assertEquals(Math.sqrt(2.0 / 23) * Math.cos(2 * Math.PI * 3 * 5 / 23), FourierBasis.of(23).at(FourierBasis.cosIndex(3), 5), 1e-15);
        assertEquals(Math.sqrt(2.0 / 23) * Math.sin(2 * Math.PI * 3 * 5 / 23), FourierBasis.of(23).at(FourierBasis.sinIndex(3), 5), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> FourierBasis.of(2));
    }

    @Test
    void embeddingBuiltFromTwoFrequenciesHasExactlyThosePeaks() {
        int p = 23, dModel = 8;
        double[] wE = new double[(p + 1) * dModel]; // last row: the '=' token, which must be ignored
        for (int x = 0; x < p; x++) {
            double w4 = 2 * Math.PI * 4 * x / p, w9 = 2 * Math.PI * 9 * x / p;
            wE[x * dModel] = 3 * Math.cos(w4);
            wE[x * dModel + 1] = 3 * Math.sin(w4);
            wE[x * dModel + 2] = Math.cos(w9);
            wE[x * dModel + 3] = 2 * Math.sin(w9);
        }
        for (int d = 0; d < dModel; d++) wE[p * dModel + d] = 100; // '=' row: huge, but not a number token
        AnalysisResult r = new EmbeddingFourierNorms().analyze(input(p, Map.of("embed.W_E", Tensor.of(wE, p + 1, dModel))));
        double[] freq = r.tensors().get("freq_norms_W_E").doubles();
        double[] comp = r.tensors().get("fourier_norms_W_E").doubles();
        assertEquals(p, comp.length);
        assertEquals((p - 1) / 2, freq.length);
        for (int k = 1; k <= freq.length; k++) {
            double expected = k == 4 ? 3 * Math.sqrt(p / 2.0) * Math.sqrt(2) : k == 9 ? Math.sqrt(p / 2.0) * Math.sqrt(5) : 0;
            assertEquals(expected, freq[k - 1], 1e-9, "frequency " + k);
        }
        assertEquals(0, comp[0], 1e-9, "no constant component");
        assertEquals(3 * Math.sqrt(p / 2.0), comp[FourierBasis.cosIndex(4)], 1e-9);
        assertEquals(2 * Math.sqrt(p / 2.0), comp[FourierBasis.sinIndex(9)], 1e-9);
        // four non-zero components out of p: a sparse spectrum
        assertTrue(r.measures().get("gini_W_E") > 0.8, "gini " + r.measures());
    }

    @Test
    void neuronLogitMapFourierNormsFollowW_UTimesW_out() {
        int p = 23, dModel = 2, dMlp = 3;
        // W_U's columns (one per logit c) are cos/sin of frequency 5 in c; W_out maps neuron 0 to both directions
        double[] wU = new double[dModel * p];
        for (int c = 0; c < p; c++) {
            wU[c] = Math.cos(2 * Math.PI * 5 * c / p);
            wU[p + c] = Math.sin(2 * Math.PI * 5 * c / p);
        }
        double[] wOut = {1, 0, 0, 1, 0, 0}; // [d_mlp, d_model]: neuron 0 -> cos, neuron 1 -> sin, neuron 2 silent
        AnalysisResult r = new NeuronLogitFourierNorms().analyze(input(p, Map.of(
                "unembed.W_U", Tensor.of(wU, dModel, p), "blocks.0.mlp.W_out", Tensor.of(wOut, dMlp, dModel))));
        double[] freq = r.tensors().get("freq_norms_W_L").doubles();
        for (int k = 1; k <= freq.length; k++) assertEquals(k == 5 ? Math.sqrt(p) : 0, freq[k - 1], 1e-9, "frequency " + k);
    }

    @Test
    void giniOfOneHotIsMaximalAndOfConstantIsZero() {
        for (int n : new int[] {1, 2, 7, 113}) {
            double[] oneHot = new double[n];
            oneHot[n / 2] = 5;
            assertEquals((n - 1) / (double) n, Gini.of(oneHot), 1e-12, "one-hot of length " + n);
            double[] constant = new double[n];
            java.util.Arrays.fill(constant, 0.3);
            assertEquals(0, Gini.of(constant), 1e-12);
        }
        Random rng = new Random(1);
        double[] v = new double[50];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextDouble();
        double g = Gini.of(v);
        assertTrue(g > 0 && g < 49 / 50.0);
        // scale invariant (Hurley and Rickard's criterion D2)
        double[] scaled = v.clone();
        for (int i = 0; i < v.length; i++) scaled[i] *= 7;
        assertEquals(g, Gini.of(scaled), 1e-12);
        assertEquals(0, Gini.of(new double[5]));
    }

    static AnalysisInput input(int p, Map<String, Tensor> weights) {
        ModularAddition task = new ModularAddition(p);
        Examples.Split split = task.allExamples().split(0.5, 0);
        ModelConfig model = new ModelConfig(1, 8, 1, 8, 3, p + 1, p, 3);
        return new AnalysisInput(task, model, 0, new LinkedHashMap<>(weights), split, null);
    }
}
