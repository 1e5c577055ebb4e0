package org.dynalens.plugin.analysis;

import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.ModularAddition;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Neuron clustering, key frequencies, restricted and excluded loss on constructed activations and logits. */
class KeyFrequencyMeasuresTest {

    private static final int P = 23;

    @Test
    void neuronsFiringAtKnownFrequenciesGiveExactlyThoseKeyFrequencies() {
        int dMlp = 7;
        float[] acts = new float[P * P * dMlp];
        Random rng = new Random(0);
        for (int a = 0; a < P; a++) {
            for (int b = 0; b < P; b++) {
                int r = a * P + b;
                double w3 = 2 * Math.PI * 3 / P, w11 = 2 * Math.PI * 11 / P;
                // ReLU(cos(w(a + b) + phase)) is not a pure trig term: its square has harmonics, but the energy of
                // a + b at frequency k sits in the {cos k, sin k}^2 block, and so does most of it here
                acts[r * dMlp] = (float) (1 + Math.cos(w3 * (a + b)));
                acts[r * dMlp + 1] = (float) (2 + Math.sin(w3 * (a + b)) + 0.5 * Math.cos(w3 * a));
                acts[r * dMlp + 2] = (float) (Math.cos(w11 * a) * Math.cos(w11 * b) + 0.2 * Math.sin(w11 * b));
                acts[r * dMlp + 3] = (float) (1 + Math.cos(w11 * (a + b) + 0.4));
                acts[r * dMlp + 4] = (float) rng.nextGaussian();                             // noise: no frequency
                acts[r * dMlp + 5] = 4;                                                      // dead: constant
                acts[r * dMlp + 6] = (float) (Math.cos(w3 * a) + Math.cos(2 * Math.PI * 5 * b / P)); // mixes 3 and 5
            }
        }
        NeuronClusters c = NeuronClusters.compute(FourierBasis.of(P), acts, dMlp, NeuronClusters.THRESHOLD);
        assertArrayEquals(new int[] {3, 11}, c.keyFrequencies());
        assertEquals(3, c.bestFrequency()[0]);
        assertEquals(3, c.bestFrequency()[1]);
        assertEquals(11, c.bestFrequency()[2]);
        assertEquals(11, c.bestFrequency()[3]);
        for (int n = 0; n < 4; n++) assertEquals(1.0, c.fractionExplained()[n], 1e-9, "neuron " + n + " is pure");
        assertTrue(c.fractionExplained()[4] < 0.5, "noise neuron " + c.fractionExplained()[4]);
        assertEquals(0, c.fractionExplained()[5], "a constant neuron explains nothing");
        assertEquals(0.5, c.fractionExplained()[6], 1e-9, "half of neuron 6's energy is at 3, half at 5");
        assertEquals(4, c.clusteredNeurons(NeuronClusters.THRESHOLD));
    }

    @Test
    void theLastFrequencyIsScannedToo() {
        // k = (p-1)/2 = 11 for p = 23: the paper's code (range(1, p//2)) would miss it
        int k = (P - 1) / 2;
        float[] acts = new float[P * P];
        for (int a = 0; a < P; a++) for (int b = 0; b < P; b++) acts[a * P + b] = (float) Math.cos(2 * Math.PI * k * (a + b) / P);
        assertArrayEquals(new int[] {k}, NeuronClusters.compute(FourierBasis.of(P), acts, 1, 0.85).keyFrequencies());
    }

    @Test
    void restrictedLossOfLogitsMadeOfKeyFrequenciesEqualsTheFullLoss() {
        int[] key = {2, 7};
        double[] logits = new double[P * P * P];
        Random rng = new Random(4);
        double[] classBias = new double[P];
        for (int c = 0; c < P; c++) classBias[c] = rng.nextGaussian();
        for (int a = 0; a < P; a++) {
            for (int b = 0; b < P; b++) {
                for (int c = 0; c < P; c++) {
                    // the paper's algorithm: logit(c) = sum_k alpha_k cos(w_k (a + b - c)), plus a class bias
                    double v = classBias[c];
                    v += 15 * Math.cos(2 * Math.PI * 2 * (a + b - c) / P) + 10 * Math.cos(2 * Math.PI * 7 * (a + b - c) / P);
                    logits[(a * P + b) * P + c] = v;
                }
            }
        }
        ModularAddition task = new ModularAddition(P);
        Examples all = task.allExamples();
        Examples.Split split = all.split(0.4, 1);
        ModularGrid grid = new ModularGrid(P, new float[P * P], logits, 1, P);
        double full = ModularGrid.crossEntropy(logits, P, grid.rowsOf(all), all.labels());
        double trainFull = ModularGrid.crossEntropy(logits, P, grid.rowsOf(split.train()), split.train().labels());

        AnalysisInput in = fixed(task, split, grid, key);
        double restricted = new RestrictedLoss().analyze(in).measures().get("restricted_loss");
        double excluded = new ExcludedLoss().analyze(in).measures().get("excluded_loss");
        assertEquals(full, restricted, 1e-9, "nothing outside the key frequencies to remove");
        assertTrue(full < 0.1, "the constructed logits solve the task: " + full);
        // removing the key frequencies leaves only the class bias: no better than chance
        assertTrue(excluded > Math.log(P) - 1, "excluded loss " + excluded);
        assertTrue(excluded > 10 * trainFull);

        // without the key frequencies the restricted loss cannot use the algorithm
        AnalysisInput wrong = fixed(task, split, grid, new int[] {4});
        assertTrue(new RestrictedLoss().analyze(wrong).measures().get("restricted_loss") > Math.log(P) - 1);
        assertEquals(trainFull, new ExcludedLoss().analyze(wrong).measures().get("excluded_loss"), 1e-9,
                "excluding a frequency the logits do not use changes nothing");
    }

    private static AnalysisInput fixed(ModularAddition task, Examples.Split split, ModularGrid grid, int[] keyFreqs) {
        return AnalysisInput.withGrid(task, new org.dynalens.plugin.model.ModelConfig(1, 8, 1, 8, 1, P + 1, P, 3), split,
                grid, keyFreqs);
    }
}
