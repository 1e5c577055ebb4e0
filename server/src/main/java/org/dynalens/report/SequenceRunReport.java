package org.dynalens.report;

import org.dynalens.plugin.analysis.heads.CompositionScoreMeasure;
import org.dynalens.plugin.analysis.heads.HeadScoreMeasure;
import org.dynalens.plugin.analysis.heads.HeadScores;
import org.dynalens.plugin.analysis.heads.PhaseChange;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.HeadRoleFlags;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;

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
import java.util.TreeMap;

import static org.dynalens.report.RunReport.column;
import static org.dynalens.report.RunReport.esc;
import static org.dynalens.report.RunReport.last;

/**
 * The report of a next-token (sequence-task) run ({@code dynalens report} picks it for sequence tasks): an
 * {@code index.html} with the key numbers (the induction phase change detected during training, the head roles
 * and when each first appeared, final losses) and PNG plots drawn in pure Java ({@link Chart}): losses, the
 * induction / previous-token / copying scores of every head and the in-context-learning score over steps, with the
 * induction phase window (10% to 90% of the rise of the best induction score) shaded, and the loss at each position
 * at the first checkpoint, at the phase step and at the end (Olsson et al. 2022).
 */
public final class SequenceRunReport {

    static final Color PHASE = new Color(255, 127, 14, 45);
    static final int WIDTH = RunReport.WIDTH, HEIGHT = RunReport.HEIGHT;

    /** What was written: the page, its images (file names in {@code dir}) and the detected phase step (or null). */
    public record Written(Path html, List<String> images, Long phaseStep) {
    }

    private final RunArchive run;
    private final RunInfo info;
    private final MetricSeries metrics;
    private final double[] xs;
    private final Long phaseStep, phaseFrom, phaseTo, phaseFastest;

    private SequenceRunReport(RunArchive run) {
        this.run = run;
        this.info = run.info();
        this.metrics = run.readMetrics();
        if (metrics.size() == 0) {
            throw new IllegalArgumentException("run " + run.id() + " has no evaluated steps yet (metrics.h5 is empty)");
        }
        this.xs = java.util.Arrays.stream(metrics.steps()).asDoubleStream().toArray();
        Map<String, Object> s = info.summary();
        this.phaseStep = step(s.get("induction_phase_step"));
        this.phaseFrom = step(s.get("induction_phase_from_step"));
        this.phaseTo = step(s.get("induction_phase_to_step"));
        this.phaseFastest = step(s.get("induction_phase_fastest_step"));
    }

    /** Writes the report of {@code run} into {@code dir} (created if needed; files of the same names are replaced). */
    public static Written write(RunArchive run, Path dir) {
        return new SequenceRunReport(run).writeTo(dir);
    }

    private Written writeTo(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create report directory " + dir + ": " + e.getMessage(), e);
        }
        Map<String, String> images = new LinkedHashMap<>();
        List<String> names = metrics.names();

        Chart loss = chart("Train and test loss, and the loss groups of the task (log scale)", "loss", true);
        for (String n : names) {
            if (n.equals("train_loss") || n.equals("test_loss") || n.startsWith("loss_")) loss.add(n, xs, column(metrics, n), Chart.Style.LINE);
        }
        save(dir, images, "loss.png", loss, "A bump or a sudden drop in the loss at the induction phase change "
                + "(Olsson et al. 2022, sec. 'Argument 1').");

        Map<String, GroupPhase> groupPhases = groupPhases();
        if (!groupPhases.isEmpty()) {
            Chart groups = chart("Loss of each loss group (e.g. each answer digit), log scale", "loss", true);
            for (String n : names) if (n.startsWith("loss_")) groups.add(n, xs, column(metrics, n), Chart.Style.LINE);
            save(dir, images, "loss-groups.png", groups, "Each group's own phase change (the step its loss first fell "
                    + "below half its start) is in the table above. For 5-digit addition the digits are learned "
                    + "at different steps.");
        }

        Map<HeadScores.Kind, Double> uniform = uniformAttentionScores();
        plotPrefix(dir, images, "induction-score.png", "Induction (prefix-matching) score of every head", "score",
                "induction_score_", uniform.get(HeadScores.Kind.INDUCTION), "Mean attention from a repeated token to "
                        + "the token after its earlier copy, on random tokens repeated twice; induction_score_max is "
                        + "the best head of layer >= 1 (of any layer in a 1-layer model or with smeared keys).");
        plotPrefix(dir, images, "previous-token-score.png", "Previous-token score of every head", "score",
                "previous_token_score_", uniform.get(HeadScores.Kind.PREVIOUS_TOKEN), "Mean attention to the "
                        + "previous position: the layer-0 half of the induction circuit (K-composition).");
        if (names.contains("task_repeat_induction_score_uniform")) { // TaskRepeatMeasure
            plotPrefix(dir, images, "task-repeat-induction-score.png", "Induction score of every head on task "
                    + "sequences repeated verbatim", "score", "task_repeat_induction_score_",
                    last(metrics, "task_repeat_induction_score_uniform"), "Mean attention from each repeated token to "
                    + "the token after its copy, when the first half of a task sequence is repeated: Olsson et al.'s "
                    + "test on text the model knows instead of random tokens.");
            Chart repeat = chart("Loss on task sequences repeated verbatim (log scale)", "loss", true)
                    .add("first half", xs, column(metrics, "task_repeat_loss_first_half"), Chart.Style.LINE)
                    .add("repeated half", xs, column(metrics, "task_repeat_loss_repeated_half"), Chart.Style.LINE);
            save(dir, images, "task-repeat-loss.png", repeat, "A model that copies (an induction head) predicts the "
                    + "repeated half far better than the first; one that does not predicts both alike.");
        }
        plotPrefix(dir, images, "copying-score.png", "Copying score of every head (OV circuit eigenvalues)", "score",
                "copying_score_", null, "sum(lambda) / sum(|lambda|) of W_E W_V W_O W_U (Elhage et al. 2021): 1 "
                        + "copies the attended token, -1 suppresses it.");
        plotPrefix(dir, images, "k-composition.png", "K-composition of every layer >= 1 head with its strongest "
                + "earlier head", "composition score", CompositionScoreMeasure.Kind.K.prefix(),
                names.contains("composition_score_random") ? last(metrics, "composition_score_random") : null,
                "random matrices", "||W_OV W_QK^T||_F / (||W_OV||_F ||W_QK||_F) (Elhage et al. 2021): how much a "
                        + "head's keys read what an earlier head writes. An induction head's keys read the previous-token "
                        + "head's output. The black line is the score of unrelated random matrices of the same shapes.");
        if (names.contains("icl_score")) {
            Chart icl = chart("In-context-learning score", "late minus early loss", false)
                    .add("icl_score", xs, column(metrics, "icl_score"), Chart.Style.LINE);
            save(dir, images, "icl-score.png", icl, "Loss late in the context minus loss early (token 500 minus token "
                    + "50 of 512 in Olsson et al., scaled to n_ctx); more negative = more in-context learning.");
        }

        TreeMap<Long, String> at = new TreeMap<>();
        List<Long> steps = run.checkpointSteps();
        if (!steps.isEmpty()) {
            at.put(steps.get(0), "first checkpoint");
            if (phaseStep != null) at.merge(nearest(steps, phaseStep), "phase step", (a, b) -> a + ", " + b);
            at.merge(steps.get(steps.size() - 1), "last checkpoint", (a, b) -> a + ", " + b);
        }
        Chart byPosition = new Chart("Loss at each position of the context", "position", "loss", false);
        boolean any = false;
        for (Map.Entry<Long, String> e : at.entrySet()) {
            double[] loss0 = tensor(e.getKey(), "analysis/loss_by_position");
            if (loss0 == null) continue;
            double[] pos = new double[loss0.length];
            for (int i = 0; i < pos.length; i++) pos[i] = i;
            byPosition.add("step " + e.getKey() + " (" + e.getValue() + ")", pos, loss0, Chart.Style.LINE);
            any = true;
        }
        if (any) save(dir, images, "loss-by-position.png", byPosition, "Later positions are predicted better once "
                + "the model learns in context.");

        Path html = dir.resolve("index.html");
        try {
            Files.writeString(html, html(images, roleHistory(), groupPhases));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + html + ": " + e.getMessage(), e);
        }
        return new Written(html, new ArrayList<>(images.keySet()), phaseStep);
    }

    private Chart chart(String title, String yLabel, boolean log) {
        Chart c = new Chart(title, "step", yLabel, log).xRange(xs[0], xs[xs.length - 1]);
        if (phaseFrom != null && phaseTo != null) {
            c.band(phaseFrom, Math.max(phaseTo, phaseFrom + 1), PHASE, "induction phase (10%-90% of the rise)");
        }
        return c;
    }

    /**
     * One line per metric named {@code prefix...}; with a {@code uniform} score, also a line at the score uniform causal
     * attention gets on the run's probe, so a reader can tell a learned head from chance.
     */
    private void plotPrefix(Path dir, Map<String, String> images, String file, String title, String yLabel,
                            String prefix, Double uniform, String caption) {
        plotPrefix(dir, images, file, title, yLabel, prefix, uniform, "uniform attention", uniform == null ? caption
                : caption + String.format(Locale.ROOT, " Uniform causal attention scores %.4f on the same sequences.", uniform));
    }

    /** One line per metric named {@code prefix...}, and a flat line at {@code reference} when it is known. */
    private void plotPrefix(Path dir, Map<String, String> images, String file, String title, String yLabel,
                            String prefix, Double reference, String referenceLabel, String caption) {
        Chart c = chart(title, yLabel, false);
        // induction and composition scores stay small until a circuit forms: autoscaled, so a slow rise shows
        if (prefix.startsWith("copying")) c.yRange(-1.05, 1.05);
        else if (prefix.startsWith("previous_token")) c.yRange(-0.05, 1.05);
        boolean any = false;
        for (String n : metrics.names()) {
            if (!n.startsWith(prefix) || n.endsWith("_uniform")) continue;
            c.add(n.substring(prefix.length()), xs, column(metrics, n), Chart.Style.LINE);
            any = true;
        }
        if (!any) return;
        if (reference != null) {
            double[] flat = new double[xs.length];
            java.util.Arrays.fill(flat, reference);
            c.add(referenceLabel, xs, flat, Color.BLACK, Chart.Style.LINE);
        }
        save(dir, images, file, c, caption);
    }

    /** The scores of uniform causal attention on the run's probe (n_ctx, vocab, seed of its config); empty if unknown. */
    private Map<HeadScores.Kind, Double> uniformAttentionScores() {
        Map<String, Object> config = info.config();
        if (!(config.get("n_ctx") instanceof Number nCtx) || !(config.get("vocab") instanceof Number vocab)
                || !(config.get("seed") instanceof Number seed)) {
            return Map.of();
        }
        return HeadScoreMeasure.uniformAttentionScores(nCtx.intValue(), vocab.intValue(), seed.longValue());
    }

    private static void save(Path dir, Map<String, String> images, String file, Chart c, String caption) {
        c.writePng(dir.resolve(file), WIDTH, HEIGHT);
        images.put(file, caption);
    }

    /** For each role ever held, the first checkpoint that had it and whether the last one still has it. */
    private Map<String, long[]> roleHistory() {
        Map<String, long[]> out = new LinkedHashMap<>(); // role -> {first step, last step seen}
        for (long step : run.checkpointSteps()) {
            Tensor roles;
            try {
                roles = run.readTensor(step, "analysis/" + HeadRoleFlags.ANALYSIS_NAME);
            } catch (ArchiveException e) {
                continue;
            }
            for (String r : HeadRoleFlags.names(roles)) {
                long[] seen = out.computeIfAbsent(r, k -> new long[] {step, step});
                seen[1] = step;
            }
        }
        return out;
    }

    /** Window of the moving median that steadies noisy per-group losses (evaluated on a batch) before detection. */
    static final int GROUP_MEDIAN_WINDOW = 5;

    /**
     * A loss group's phase change: {@code step}, the first evaluated step at which its moving-median loss is below
     * half its starting value (a sudden drop, as each digit of 5-digit addition shows, crosses it at the drop);
     * {@code window}, {@link PhaseChange} on minus the log loss (10% / 50% / 90% of the whole fall on a log scale).
     */
    record GroupPhase(long step, PhaseChange.Result window) {
    }

    /** The phase change of every loss group ({@code loss_*} metrics); null for a group whose loss never halved. */
    Map<String, GroupPhase> groupPhases() {
        Map<String, GroupPhase> out = new LinkedHashMap<>();
        long[] steps = metrics.steps();
        for (String n : metrics.names()) {
            if (!n.startsWith("loss_")) continue;
            double[] smooth = movingMedian(column(metrics, n), GROUP_MEDIAN_WINDOW);
            double[] negLog = new double[smooth.length];
            for (int i = 0; i < smooth.length; i++) negLog[i] = smooth[i] > 0 ? -Math.log(smooth[i]) : Double.NaN;
            GroupPhase phase = null;
            for (int i = 1; i < smooth.length && phase == null; i++) {
                if (smooth[i] < smooth[0] / 2) phase = new GroupPhase(steps[i], PhaseChange.detect(steps, negLog, Math.log(2)));
            }
            out.put(n, phase);
        }
        return out;
    }

    static double[] movingMedian(double[] v, int window) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            int from = Math.max(0, i - window / 2), to = Math.min(v.length, i + window / 2 + 1);
            double[] w = java.util.Arrays.stream(v, from, to).filter(x -> !Double.isNaN(x)).sorted().toArray();
            out[i] = w.length == 0 ? Double.NaN : w.length % 2 == 1 ? w[w.length / 2] : (w[w.length / 2 - 1] + w[w.length / 2]) / 2;
        }
        return out;
    }

    private String html(Map<String, String> images, Map<String, long[]> roles, Map<String, GroupPhase> groups) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dynalens report: ")
                .append(esc(info.id())).append("</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;"
                        + "color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:left}img{max-width:100%;border:1px solid #eee}"
                        + "figcaption{color:#555;font-size:90%;margin-bottom:1.5em}</style></head><body>\n");
        h.append("<h1>Run ").append(esc(info.id())).append("</h1>\n");
        Object status = info.summary().get("status");
        h.append("<p>Task <b>").append(esc(info.task())).append("</b> (next-token), seed ").append(info.seed())
                .append(", status <b>").append(esc(String.valueOf(status))).append("</b>")
                .append("running".equals(status) ? " (partial: the run was still training when this report was made)" : "")
                .append(". Config: <code>").append(esc(String.valueOf(info.config()))).append("</code></p>\n");

        h.append("<h2>Key numbers</h2>\n<table>\n");
        long[] steps = metrics.steps();
        row(h, "last evaluated step", Long.toString(steps[steps.length - 1]));
        row(h, "induction phase step (best induction score at half its rise)", str(phaseStep));
        row(h, "induction phase window (10% &ndash; 90% of the rise)", str(phaseFrom) + " &ndash; " + str(phaseTo));
        row(h, "largest rise between two evaluations ends at", str(phaseFastest));
        for (String n : List.of("induction_score_max", "train_loss", "test_loss", "test_acc", "icl_score")) {
            double[] v = column(metrics, n);
            if (v.length > 0 && !Double.isNaN(v[0])) row(h, n, num(v[0]) + " (step " + steps[0] + ") &rarr; " + num(v[v.length - 1]) + " (end)");
        }
        row(h, "head roles at the end", esc(String.valueOf(info.summary().getOrDefault("head_roles", List.of()))));
        h.append("</table>\n");
        if (!groups.isEmpty()) {
            h.append("<h2>Phase change of each loss group</h2>\n<table>\n<tr><th>group</th><th>phase step (loss first "
                    + "below half its start)</th><th>window (10% &ndash; 90% of the fall in log loss)</th><th>loss: start "
                    + "&rarr; end</th></tr>\n");
            groups.entrySet().stream()
                    .sorted(java.util.Comparator.comparingLong(e -> e.getValue() == null ? Long.MAX_VALUE : e.getValue().step()))
                    .forEach(e -> {
                        GroupPhase g = e.getValue();
                        PhaseChange.Result r = g == null ? null : g.window();
                        h.append("<tr><td>").append(esc(e.getKey())).append("</td><td>")
                                .append(g == null ? "none (never below half its start)" : Long.toString(g.step())).append("</td><td>")
                                .append(r == null ? "" : r.fromStep() + " &ndash; " + r.toStep()).append("</td><td>")
                                .append(r == null ? "" : num(Math.exp(-r.start())) + " &rarr; " + num(Math.exp(-r.end())))
                                .append("</td></tr>\n");
                    });
            h.append("</table>\n<p>Losses smoothed by a moving median of " + GROUP_MEDIAN_WINDOW + " evaluations.</p>\n");
        }
        h.append("<p>Phase: detected by <code>PhaseChange</code> on <code>induction_score_max</code> once it "
                + "has risen by at least 0.3 (shaded in the plots). Roles: a head's score above 0.4.</p>\n");

        h.append("<h2>Head roles over training</h2>\n");
        if (roles.isEmpty()) {
            h.append("<p>No head had a role at any checkpoint.</p>\n");
        } else {
            h.append("<table><tr><th>role</th><th>first checkpoint with it</th><th>last checkpoint with it</th></tr>\n");
            roles.forEach((r, s) -> h.append("<tr><td>").append(esc(r)).append("</td><td>").append(s[0])
                    .append("</td><td>").append(s[1]).append("</td></tr>\n"));
            h.append("</table>\n");
        }
        h.append("<h2>Measures over training</h2>\n");
        images.forEach((file, caption) -> h.append("<figure><img src=\"").append(esc(file)).append("\" alt=\"")
                .append(esc(file)).append("\"><figcaption>").append(esc(caption)).append("</figcaption></figure>\n"));
        h.append("</body></html>\n");
        return h.toString();
    }

    private double[] tensor(long step, String path) {
        try {
            return run.readTensor(step, path).doubles();
        } catch (ArchiveException e) {
            return null;
        }
    }

    private static long nearest(List<Long> steps, long target) {
        long best = steps.get(0);
        for (long s : steps) if (Math.abs(s - target) < Math.abs(best - target)) best = s;
        return best;
    }

    private static Long step(Object v) {
        return v instanceof Number n ? n.longValue() : null;
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(k).append("</th><td>").append(v).append("</td></tr>\n");
    }

    private static String str(Long step) {
        return step == null ? "not found" : step.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4g", v);
    }
}
