package org.dynalens.plugin.analysis;

import org.dynalens.archive.Tensor;
import org.dynalens.plugin.task.Task;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The key frequencies of a checkpoint from neuron-frequency clustering ({@link NeuronClusters}; Nanda et al. 2023
 * sec. 4.2).
 *
 * <p>Tensors {@code key_freqs} (int32, ascending; indexed as keywords), {@code neuron_freqs} (int32 [d_mlp], each
 * neuron's best frequency) and {@code neuron_frac_explained} (float64 [d_mlp]); measures {@code num_key_freqs} and
 * {@code frac_neurons_clustered}.
 */
public final class KeyFrequencies implements Analysis {

    @Override
    public String name() {
        return "key_freqs";
    }

    @Override
    public boolean appliesTo(Task task) {
        return KeyFrequencyComponents.appliesTo(task);
    }

    @Override
    public AnalysisResult analyze(AnalysisInput in) {
        NeuronClusters clusters = in.clusters();
        int[] key = clusters.keyFrequencies();
        Map<String, Double> measures = new LinkedHashMap<>();
        measures.put("num_key_freqs", (double) key.length);
        measures.put("frac_neurons_clustered",
                clusters.clusteredNeurons(NeuronClusters.THRESHOLD) / (double) clusters.bestFrequency().length);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("key_freqs", Tensor.vector(key));
        tensors.put("neuron_freqs", Tensor.vector(clusters.bestFrequency()));
        tensors.put("neuron_frac_explained", Tensor.vector(clusters.fractionExplained()));
        List<String> words = Arrays.stream(key).mapToObj(Integer::toString).toList();
        return new AnalysisResult(measures, tensors, Map.of("key_freqs", words));
    }
}
