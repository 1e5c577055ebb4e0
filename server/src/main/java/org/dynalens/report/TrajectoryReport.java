package org.dynalens.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.analysis.PhaseDetector;
import org.dynalens.plugin.trajectory.GramPca;
import org.dynalens.plugin.trajectory.Trajectories;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Trajectory PCA of one or more runs ({@code dynalens trajectory}): the path of the checkpoints in the plane of the
 * first two principal components of the weights (and optionally of the logits on a fixed input set), with points
 * coloured by grokking phase (one run) or by run (several), the first and last checkpoints and the phase boundaries
 * labelled with their steps; a bar chart of explained variance; and everything as {@code trajectory.json}.
 */
public final class TrajectoryReport {

    /** What to analyse: parameter-name prefixes (empty: all), whether logits too and on how many inputs. */
    public record Options(List<String> paramPrefixes, boolean logits, int logitInputs, int components) {
        public static Options defaults() {
            return new Options(List.of(), false, 1024, 10);
        }
    }

    /** What was written. */
    public record Written(Path json, List<String> images, Trajectories.Pca weights, Trajectories.Pca logits) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Map<String, String> LABELS = Map.of(PhaseDetector.MEMORISATION_END, "memorisation end",
            PhaseDetector.CIRCUIT_FORMATION_END, "circuit formation end", PhaseDetector.CLEANUP_END, "cleanup end",
            PhaseDetector.GROK_STEP, "grok");
    private static final String[] PHASES = {"memorisation", "circuit formation", "cleanup", "after cleanup"};
    /** The phases' colours of the run report's shading (RunReport), opaque, so the plots read alike. */
    private static final Color[] PHASE_COLORS = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(148, 103, 189)};

    private TrajectoryReport() {
    }

    public static Written write(List<RunArchive> runs, Path dir, Options options) {
        if (runs.isEmpty()) throw new IllegalArgumentException("no runs given");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create output directory " + dir + ": " + e.getMessage(), e);
        }
        Predicate<String> params = options.paramPrefixes().isEmpty() ? n -> true
                : n -> options.paramPrefixes().stream().anyMatch(n::startsWith);
        Map<String, Map<String, Object>> summaries = new LinkedHashMap<>();
        for (RunArchive r : runs) summaries.put(r.id(), r.info().summary());
        List<String> images = new ArrayList<>();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("runs", new ArrayList<>(summaries.keySet()));
        json.put("params", options.paramPrefixes().isEmpty() ? "all" : options.paramPrefixes());

        Trajectories.Pca weights = Trajectories.weightPca(runs, params, options.components());
        images.addAll(plots(dir, "weights", weights, summaries));
        json.put("weights", toJson(weights));
        Trajectories.Pca logits = null;
        if (options.logits()) {
            logits = Trajectories.logitPca(runs, options.logitInputs(), options.components());
            images.addAll(plots(dir, "logits", logits, summaries));
            json.put("logits", toJson(logits));
        }
        Map<String, Object> phases = new LinkedHashMap<>();
        summaries.forEach((id, s) -> phases.put(id, boundaries(s)));
        json.put("phases", phases);
        Path file = dir.resolve("trajectory.json");
        try {
            JSON.writeValue(file.toFile(), json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return new Written(file, images, weights, logits);
    }

    /**
     * The weight-trajectory path of one run, for the run report; returns the image's file name, or null when the
     * run has fewer than two checkpoints (no PCA possible).
     */
    static String weightPathForReport(RunArchive run, Path dir) {
        if (run.checkpointSteps().size() < 2) return null;
        Trajectories.Pca pca = Trajectories.weightPca(List.of(run), n -> true, 2);
        if (pca.pca().components() < 2) return null;
        String file = "weights-pca.png";
        path(pca, Map.of(run.id(), run.info().summary())).writePng(dir.resolve(file), RunReport.WIDTH, 2 * RunReport.HEIGHT);
        return file;
    }

    private static List<String> plots(Path dir, String kind, Trajectories.Pca pca, Map<String, Map<String, Object>> summaries) {
        List<String> out = new ArrayList<>();
        if (pca.pca().components() >= 2) {
            String file = kind + "-pc1-pc2.png";
            path(pca, summaries).writePng(dir.resolve(file), RunReport.WIDTH, 2 * RunReport.HEIGHT);
            out.add(file);
        }
        double[] ratio = pca.pca().explainedVarianceRatio();
        double[] k = new double[ratio.length];
        for (int i = 0; i < k.length; i++) k[i] = i + 1;
        String bars = kind + "-explained-variance.png";
        new Chart("Explained variance ratio per principal component (" + kind + ")", "component", "ratio", false)
                .add("explained variance", k, ratio, Chart.Style.BARS)
                .writePng(dir.resolve(bars), RunReport.WIDTH / 2 + 40, RunReport.HEIGHT - 40);
        out.add(bars);
        return out;
    }

    /** PC1 vs PC2: one run's path with points by phase, or one path per run. */
    private static Chart path(Trajectories.Pca pca, Map<String, Map<String, Object>> summaries) {
        GramPca.Result r = pca.pca();
        double[] ratio = r.explainedVarianceRatio();
        Chart c = new Chart(String.format(Locale.ROOT, "%s trajectory: PC1 (%.1f%%) vs PC2 (%.1f%%)", pca.kind(),
                100 * ratio[0], 100 * ratio[1]),
                String.format(Locale.ROOT, "PC1 (%.1f%%)", 100 * ratio[0]),
                String.format(Locale.ROOT, "PC2 (%.1f%%)", 100 * ratio[1]), false);
        boolean single = summaries.size() == 1;
        // labels by point: runs that share a point (e.g. the same initialisation) share one label
        Map<List<Double>, List<String>> placed = new LinkedHashMap<>();
        for (String run : summaries.keySet()) {
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < pca.runs().size(); i++) if (pca.runs().get(i).equals(run)) rows.add(i);
            double[] x = rows.stream().mapToDouble(i -> r.projections()[i][0]).toArray();
            double[] y = rows.stream().mapToDouble(i -> r.projections()[i][1]).toArray();
            if (single) c.add("path", x, y, Color.GRAY, Chart.Style.LINE);
            else c.add(run, x, y, Chart.Style.LINE);
            Map<String, Long> bounds = boundaries(summaries.get(run));
            if (single) {
                Long[] ends = {bounds.get(PhaseDetector.MEMORISATION_END), bounds.get(PhaseDetector.CIRCUIT_FORMATION_END),
                        bounds.get(PhaseDetector.CLEANUP_END)};
                List<List<Integer>> byPhase = new ArrayList<>();
                for (int p = 0; p < PHASES.length; p++) byPhase.add(new ArrayList<>());
                for (int i : rows) byPhase.get(phaseOf(pca.steps().get(i), ends)).add(i);
                for (int p = 0; p < PHASES.length; p++) {
                    if (byPhase.get(p).isEmpty()) continue;
                    c.add(PHASES[p], byPhase.get(p).stream().mapToDouble(i -> r.projections()[i][0]).toArray(),
                            byPhase.get(p).stream().mapToDouble(i -> r.projections()[i][1]).toArray(), PHASE_COLORS[p],
                            Chart.Style.POINTS);
                }
            }
            // labels: first and last step, and the checkpoint at (or just before) each phase boundary and the grok
            // step; several on one checkpoint share one label
            Map<Integer, List<String>> labels = new LinkedHashMap<>();
            int first = rows.get(0), last = rows.get(rows.size() - 1);
            labels.computeIfAbsent(first, k -> new ArrayList<>()).add((single ? "" : shortId(run) + " ") + "step " + pca.steps().get(first));
            bounds.forEach((name, step) -> {
                int at = -1;
                for (int i : rows) if (pca.steps().get(i) <= step) at = i;
                if (at >= 0) labels.computeIfAbsent(at, k -> new ArrayList<>()).add(LABELS.get(name) + " " + step);
            });
            labels.computeIfAbsent(last, k -> new ArrayList<>()).add("step " + pca.steps().get(last));
            labels.forEach((i, texts) -> placed.computeIfAbsent(List.of(r.projections()[i][0], r.projections()[i][1]),
                    k -> new ArrayList<>()).add(String.join(", ", texts)));
        }
        placed.forEach((xy, texts) -> c.label(xy.get(0), xy.get(1), String.join("; ", texts)));
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] p : r.projections()) {
            lo = Math.min(lo, p[0]);
            hi = Math.max(hi, p[0]);
        }
        double pad = 0.06 * Math.max(hi - lo, 1e-12);
        return c.xRange(lo - pad, hi + pad);
    }

    private static int phaseOf(long step, Long[] ends) {
        for (int p = 0; p < ends.length; p++) if (ends[p] == null || step <= ends[p]) return p;
        return ends.length;
    }

    private static String shortId(String id) {
        return id.length() <= 18 ? id : id.substring(0, 18);
    }

    /** The phase boundaries and grok step stored in a run's summary (by {@code GrokkingPhases}). */
    private static Map<String, Long> boundaries(Map<String, Object> summary) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String key : List.of(PhaseDetector.MEMORISATION_END, PhaseDetector.CIRCUIT_FORMATION_END,
                PhaseDetector.CLEANUP_END, PhaseDetector.GROK_STEP)) {
            if (summary.get(key) instanceof Number n) out.put(key, n.longValue());
        }
        return out;
    }

    private static Map<String, Object> toJson(Trajectories.Pca pca) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dimensions", pca.dimensions());
        m.put("explained_variance_ratio", pca.pca().explainedVarianceRatio());
        List<Map<String, Object>> points = new ArrayList<>();
        for (int i = 0; i < pca.runs().size(); i++) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("run", pca.runs().get(i));
            p.put("step", pca.steps().get(i));
            p.put("pc", pca.pca().projections()[i]);
            points.add(p);
        }
        m.put("points", points);
        return m;
    }
}
