package org.dynalens.plugin.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.Task;
import org.dynalens.plugin.train.TrainingRun;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The local learning coefficient of a checkpoint (Lau et al. 2023), estimated by {@link Sgld} on the training
 * split with the full-batch float64 cross-entropy that training minimises. Opt-in: not in the service registry (it
 * costs {@code chains * (draws + burnIn)} forward-backward passes per checkpoint), run by
 * {@code dynalens analyze RUN --llc}.
 *
 * <p>Measures {@code llc} (lambda hat), {@code llc_loss_init} (L_n(w*)) and {@code llc_mean_loss} (the mean SGLD loss).
 */
public final class LocalLearningCoefficient implements Analysis {

    public static final String NAME = "llc";

    private final Sgld.Settings settings;

    public LocalLearningCoefficient(Sgld.Settings settings) {
        this.settings = settings;
    }

    /** With the devinterp grokking settings. */
    public LocalLearningCoefficient() {
        this(Sgld.Settings.grokking());
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Classification tasks trained full-batch by {@link TrainingRun} (the 1-layer model). */
    @Override
    public boolean appliesTo(Task task) {
        return true;
    }

    @Override
    public AnalysisResult analyze(AnalysisInput in) {
        Examples train = in.split().train();
        try (NDManager manager = Djl.newManager()) {
            Transformer model = Transformer.fromTensors(in.model(), in.weights(), manager);
            NDArray tokens = TrainingRun.tokens(manager, train);
            NDArray oneHot = TrainingRun.oneHot(manager, train.labels(), in.model().dVocabOut());
            NDArray labels = manager.create(train.labels());
            Sgld.Estimate e = Sgld.estimate(model.parameters(), (params, collector) -> {
                NDArray logits = model.lastLogits(tokens);
                TrainingRun.LossAndAccuracy l = TrainingRun.crossEntropy64(logits, oneHot, labels, true);
                collector.backward(logits.mul(l.gradient()).sum());
                return l.loss();
            }, settings, manager);
            Map<String, Double> measures = new LinkedHashMap<>();
            measures.put("llc", e.llc());
            measures.put("llc_loss_init", e.lossAtOptimum());
            measures.put("llc_mean_loss", e.meanLoss());
            return new AnalysisResult(measures, Map.of(), Map.of());
        }
    }
}
