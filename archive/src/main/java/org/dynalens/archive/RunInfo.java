package org.dynalens.archive;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run is: its id, task, seed, the full configuration that made it, provenance, and a summary that grows as
 * it trains (status, final metrics, detected phases). Stored in {@code runs/<id>/run.h5}.
 *
 * @param config     hyper-parameters and task settings as JSON-compatible values; numbers stay numbers
 * @param provenance where the run came from (trainer class, versions, host), JSON-compatible
 * @param summary    derived facts (status, last step, final metrics, grok step), JSON-compatible
 */
public record RunInfo(String id, String task, long seed, Instant created, Map<String, Object> config,
                      Map<String, Object> provenance, Map<String, Object> summary) {

    public RunInfo {
        RunId.check(id);
        if (task == null || task.isBlank()) throw new IllegalArgumentException("run " + id + " has no task");
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
        summary = Collections.unmodifiableMap(new LinkedHashMap<>(summary));
    }

    /** A copy whose summary has {@code updates} merged in. */
    public RunInfo withSummary(Map<String, Object> updates) {
        Map<String, Object> s = new LinkedHashMap<>(summary);
        s.putAll(updates);
        return new RunInfo(id, task, seed, created, config, provenance, s);
    }
}
