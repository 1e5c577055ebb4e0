package org.dynalens.plugin.analysis;

import org.dynalens.plugin.task.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The registry of analyses, filled by {@link ServiceLoader}, and running a set of them on one checkpoint. */
public final class Analyses {

    private static final Logger LOG = LoggerFactory.getLogger(Analyses.class);

    private Analyses() {
    }

    /** Every registered analysis by name, sorted. */
    public static Map<String, Analysis> all() {
        Map<String, Analysis> out = new TreeMap<>();
        for (Analysis a : ServiceLoader.load(Analysis.class, Analyses.class.getClassLoader())) out.put(a.name(), a);
        return out;
    }

    /** The registered analyses that apply to {@code task}, in name order. */
    public static List<Analysis> applicableTo(Task task) {
        return all().values().stream().filter(a -> a.appliesTo(task)).toList();
    }

    /**
     * Runs each analysis on the input and merges the results. An analysis that fails is logged and left out, so
     * one broken measure does not cost the others.
     */
    public static AnalysisResult run(List<Analysis> analyses, AnalysisInput in) {
        AnalysisResult result = AnalysisResult.empty();
        for (Analysis a : analyses) {
            AnalysisResult r;
            try {
                r = a.analyze(in);
            } catch (RuntimeException e) {
                LOG.warn("analysis {} failed on {}: {}", a.name(), in, e.toString());
                continue;
            }
            result = result.merge(r);
        }
        return result;
    }
}
