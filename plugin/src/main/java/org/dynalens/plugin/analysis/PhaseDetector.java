package org.dynalens.plugin.analysis;

import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a run into phases from its dense training metrics ({@code metrics.h5}) and its per-checkpoint progress
 * measures ({@code measures.h5}). A pure function of the two series; {@link GrokkingPhases} is the rule for the
 * grokking runs of Nanda et al. 2023.
 */
public interface PhaseDetector {

    /** Summary key: first evaluated step with test loss below 0.1. */
    String GROK_STEP = "grok_step";
    /** Summary key: last step of memorisation (= first step of circuit formation). */
    String MEMORISATION_END = "phase_memorisation_end";
    /** Summary key: last step of circuit formation (= first step of cleanup). */
    String CIRCUIT_FORMATION_END = "phase_circuit_formation_end";
    /** Summary key: last step of cleanup. */
    String CLEANUP_END = "phase_cleanup_end";
    /** Every summary key a detector may write, in phase order. */
    List<String> SUMMARY_KEYS = List.of(GROK_STEP, MEMORISATION_END, CIRCUIT_FORMATION_END, CLEANUP_END);

    /** The phases of a run with {@code metrics} (train/test loss, sum_sq_weights, ...) and {@code measures}. */
    Phases detect(MetricSeries metrics, MetricSeries measures);

    /**
     * The phases of an archived run from its metrics.h5 and measures.h5. The measures are used only once
     * {@code dynalens analyze} has recomputed them with the final checkpoint's key frequencies (summary
     * {@code loss_key_freqs_from = final}): during training restricted and excluded loss use each checkpoint's own key
     * frequencies, which change under the measure (none at all early on, when the excluded loss is just the train
     * loss), so they cannot mark a turn; the detector then works from the training metrics alone.
     */
    default Phases detect(RunArchive run) {
        boolean finalKeyFrequencies = "final".equals(run.info().summary().get("loss_key_freqs_from"));
        return detect(run.readMetrics(), finalKeyFrequencies ? run.readMeasures() : new MetricSeries());
    }

    /**
     * Detects the phases of an archived run from its metrics.h5 and measures.h5 and stores them on its summary,
     * replacing earlier values (a boundary not found any more is removed). Returns the updated run info.
     */
    default RunInfo store(RunArchive run) {
        Phases phases = detect(run);
        RunInfo info = run.info();
        Map<String, Object> summary = new LinkedHashMap<>(info.summary());
        summary.keySet().removeAll(SUMMARY_KEYS);
        summary.putAll(phases.toSummary());
        RunInfo updated = new RunInfo(info.id(), info.task(), info.seed(), info.created(), info.config(),
                info.provenance(), summary);
        run.writeInfo(updated);
        return updated;
    }

    /**
     * Phase boundaries as steps; null where the run has not (yet) shown the event. When present they are ordered
     * {@code memorisationEnd < circuitFormationEnd <= cleanupEnd}.
     */
    record Phases(Long grokStep, Long memorisationEnd, Long circuitFormationEnd, Long cleanupEnd) {

        public static final Phases NONE = new Phases(null, null, null, null);

        /** The present boundaries as run-summary entries (keys {@link #SUMMARY_KEYS}). */
        public Map<String, Object> toSummary() {
            Map<String, Object> out = new LinkedHashMap<>();
            if (grokStep != null) out.put(GROK_STEP, grokStep);
            if (memorisationEnd != null) out.put(MEMORISATION_END, memorisationEnd);
            if (circuitFormationEnd != null) out.put(CIRCUIT_FORMATION_END, circuitFormationEnd);
            if (cleanupEnd != null) out.put(CLEANUP_END, cleanupEnd);
            return out;
        }

        /** The phases stored in a run summary (numbers of any type; other values are ignored). */
        public static Phases fromSummary(Map<String, Object> summary) {
            return new Phases(step(summary.get(GROK_STEP)), step(summary.get(MEMORISATION_END)),
                    step(summary.get(CIRCUIT_FORMATION_END)), step(summary.get(CLEANUP_END)));
        }

        private static Long step(Object v) {
            return v instanceof Number n ? n.longValue() : null;
        }

        @Override
        public String toString() {
            return "memorisation 0-" + str(memorisationEnd) + ", circuit formation " + str(memorisationEnd) + "-"
                    + str(circuitFormationEnd) + ", cleanup " + str(circuitFormationEnd) + "-" + str(cleanupEnd)
                    + "; test loss < 0.1 at " + str(grokStep);
        }

        private static String str(Long step) {
            return step == null ? "?" : step.toString();
        }
    }
}
