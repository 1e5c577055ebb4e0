package org.dynalens.server;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.analysis.compare.LinearCka;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.Task;
import org.dynalens.plugin.train.RunConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs two checkpoints' models on every input of their task (inference only: no gradients are recorded) and
 * compares their last-position logits with linear CKA. The model is rebuilt from the run's stored config.
 */
public final class LogitProbe {

    /** Inputs x output logits above this are not probed (memory and time per request stay bounded). */
    static final long MAX_VALUES = 20_000_000;

    private LogitProbe() {
    }

    /**
     * @return {@code {"logits": cka, "inputs": n}} or {@code {"logits": null, "note": why}} when a model cannot be
     *         rebuilt (unknown task or config keys, parameters that do not fit the config)
     */
    public static Map<String, Object> logitCka(Map<String, Object> configA, Map<String, Tensor> paramsA,
                                        Map<String, Object> configB, Map<String, Tensor> paramsB) {
        Map<String, Object> out = new LinkedHashMap<>();
        RunConfig cfgA;
        RunConfig cfgB;
        try {
            cfgA = RunConfig.fromMap(configA);
            cfgB = RunConfig.fromMap(configB);
        } catch (IllegalArgumentException e) {
            out.put("logits", null);
            out.put("note", "cannot rebuild the model from the run config: " + e.getMessage());
            return out;
        }
        Task task;
        ModelConfig modelA;
        ModelConfig modelB;
        try {
            task = cfgA.createTask();
            modelA = cfgA.model(task);
            modelB = cfgB.model(cfgB.createTask());
        } catch (IllegalArgumentException e) {
            out.put("logits", null);
            out.put("note", "cannot rebuild the task: " + e.getMessage());
            return out;
        }
        if (!modelA.equals(modelB) || !cfgA.task().equals(cfgB.task())) {
            out.put("logits", null);
            out.put("note", "the runs have different tasks or model shapes, so they have no common inputs");
            return out;
        }
        Examples inputs = task.allExamples();
        if ((long) inputs.size() * modelA.dVocabOut() > MAX_VALUES) {
            out.put("logits", null);
            out.put("note", inputs.size() + " inputs x " + modelA.dVocabOut() + " logits is too many to probe per request");
            return out;
        }
        try (NDManager manager = Djl.newManager()) {
            // PyTorch's grad mode is per thread and only the thread that started the engine has it off: on this
            // worker thread switch it off explicitly, so inference builds no autograd graph
            boolean gradMode = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                probe(out, task, modelA, paramsA, modelB, paramsB, inputs, manager);
            } finally {
                JniUtils.setGradMode(gradMode);
            }
        }
        return out;
    }

    private static void probe(Map<String, Object> out, Task task, ModelConfig modelA, Map<String, Tensor> paramsA,
                              ModelConfig modelB, Map<String, Tensor> paramsB, Examples inputs, NDManager manager) {
        try {
            long[] t = new long[inputs.tokens().length];
            for (int i = 0; i < t.length; i++) t[i] = inputs.tokens()[i];
            NDArray tokens = manager.create(t, new Shape(inputs.size(), inputs.contextLength()));
            float[] la = logits(modelA, paramsA, tokens, manager);
            float[] lb = logits(modelB, paramsB, tokens, manager);
            double cka = LinearCka.of(la, modelA.dVocabOut(), lb, modelB.dVocabOut());
            out.put("logits", Double.isNaN(cka) ? null : cka);
            out.put("inputs", inputs.size());
            out.put("task", task.name());
        } catch (IllegalArgumentException e) {
            out.put("logits", null);
            out.put("note", "cannot load the checkpoint into the model: " + e.getMessage());
        }
    }

    private static float[] logits(ModelConfig cfg, Map<String, Tensor> params, NDArray tokens, NDManager manager) {
        try (NDManager scope = manager.newSubManager(); Transformer model = Transformer.fromTensors(cfg, params, scope)) {
            NDArray logits = model.lastLogits(tokens);
            float[] out = logits.toFloatArray();
            logits.close();
            return out;
        }
    }
}
