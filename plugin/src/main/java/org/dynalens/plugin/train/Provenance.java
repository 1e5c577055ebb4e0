package org.dynalens.plugin.train;

import ai.djl.engine.Engine;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/** Where a run came from: trainer, library versions, machine. Stored on the run as JSON. */
final class Provenance {

    private Provenance() {
    }

    static Map<String, Object> of(Class<?> trainer, ModelConfig model) {
        Engine engine = Djl.engine();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("trainer", trainer.getName());
        p.put("dynalens_version", String.valueOf(Provenance.class.getPackage().getImplementationVersion()));
        p.put("engine", engine.getEngineName());
        p.put("engine_version", engine.getVersion());
        p.put("djl_version", Engine.getDjlVersion());
        p.put("intra_op_threads", System.getProperty("ai.djl.pytorch.num_threads"));
        p.put("java_version", System.getProperty("java.version"));
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        p.put("cpus", Runtime.getRuntime().availableProcessors());
        p.put("parameter_count", model.parameterCount());
        return p;
    }
}
