package org.dynalens.report;

import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.plugin.analysis.GrokkingPhases;
import org.dynalens.plugin.analysis.PhaseDetector.Phases;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report of one run ({@code dynalens report}): an {@code index.html} with the key numbers (grok step, phase
 * boundaries, key frequencies, final losses) and PNG plots drawn in pure Java ({@link Chart}): every measure over
 * steps with the phases of {@link GrokkingPhases} shaded, the Fourier spectrum of W_E (norm per frequency) at the start,
 * each phase boundary and the end, and the key frequencies of every checkpoint.
 */
public final class RunReport {

    static final Color MEMORISATION = new Color(31, 119, 180, 40);
    static final Color CIRCUIT_FORMATION = new Color(255, 127, 14, 45);
    static final Color CLEANUP = new Color(44, 160, 44, 45);
    static final int WIDTH = 900, HEIGHT = 340;

    /** What was written: the page, its images (file names in {@code dir}) and the phases shown. */
    public record Written(Path html, List<String> images, Phases phases) {
    }

    private final RunArchive run;
    private final RunInfo info;
    private final MetricSeries metrics;
    private final MetricSeries measures;
    private final Phases phases;
    private final long firstStep, lastStep;

    private RunReport(RunArchive run) {
        this.run = run;
        this.info = run.info();
        this.metrics = run.readMetrics();
        this.measures = run.readMeasures();
        if (measures.size() == 0) {
            throw new IllegalArgumentException("run " + run.id() + " has no progress measures (measures.h5 is empty or "
                    + "missing): its task has no analyses, or no checkpoint has been analysed yet");
        }
        this.phases = new GrokkingPhases().detect(run);
        long[] s = metrics.size() > 0 ? metrics.steps() : measures.steps();
        this.firstStep = Math.min(s[0], measures.steps()[0]);
        this.lastStep = Math.max(s[s.length - 1], measures.steps()[measures.size() - 1]);
    }

    /** Writes the report of {@code run} into {@code dir} (created if needed; files of the same names are replaced). */
    public static Written write(RunArchive run, Path dir) {
        return new RunReport(run).writeTo(dir);
    }

    private Written writeTo(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create report directory " + dir + ": " + e.getMessage(), e);
        }
        Map<String, String> images = new LinkedHashMap<>(); // file -> caption
        double[] ms = toDouble(measures.steps()), xs = toDouble(metrics.steps());

        plot(dir, images, "loss.png", "Train and test loss (log scale)", "loss", true,
                new String[] {"train_loss", "test_loss"}, metrics, xs,
                "Test loss stays high through memorisation and circuit formation and falls in cleanup.");
        plot(dir, images, "accuracy.png", "Train and test accuracy", "accuracy", false,
                new String[] {"train_acc", "test_acc"}, metrics, xs, "");
        Chart losses = phaseChart("Restricted and excluded loss (log scale), test loss for reference", "loss", true);
        losses.add("restricted_loss", ms, column(measures, "restricted_loss"), Chart.Style.LINE);
        losses.add("excluded_loss", ms, column(measures, "excluded_loss"), Chart.Style.LINE);
        losses.add("test_loss", xs, column(metrics, "test_loss"), Chart.Style.LINE);
        save(dir, images, "restricted-excluded-loss.png", losses, "Restricted loss (logits restricted to the "
                + keyFrequencySource() + " key frequencies) falls before test loss; excluded loss (those frequencies "
                + "removed, on the training pairs) rises during circuit formation (Nanda et al. 2023 sec. 5.1).");
        plot(dir, images, "sum-sq-weights.png", "Total sum of squared weights", "sum of squares", false,
                new String[] {"sum_sq_weights"}, metrics, xs, "Weight decay shrinks the weights; fastest in cleanup.");
        plot(dir, images, "gini.png", "Gini coefficient of the Fourier component norms", "Gini", false,
                new String[] {"gini_W_E", "gini_W_L"}, measures, ms, "Rises as W_E and W_L = W_U^T W_out sparsify "
                        + "onto the key frequencies.");
        plot(dir, images, "num-key-freqs.png", "Number of key frequencies (neuron clusters)", "count", false,
                new String[] {"num_key_freqs"}, measures, ms, "Each checkpoint's own neuron-frequency clustering.");

        TreeMap<Long, int[]> keyOverTime = keyFrequenciesOverTime();
        Chart keys = phaseChart("Key frequencies of each checkpoint", "frequency k", false);
        if (info.config().get("p") instanceof Number p) keys.yRange(0, (p.intValue() - 1) / 2 + 1);
        List<Double> kx = new ArrayList<>(), ky = new ArrayList<>();
        keyOverTime.forEach((step, ks) -> Arrays.stream(ks).forEach(k -> {
            kx.add((double) step);
            ky.add((double) k);
        }));
        keys.add("key frequency", kx.stream().mapToDouble(Double::doubleValue).toArray(),
                ky.stream().mapToDouble(Double::doubleValue).toArray(), Chart.Style.POINTS);
        save(dir, images, "key-freqs-over-time.png", keys, "A dot for every key frequency of every analysed checkpoint.");
        String trajectory = TrajectoryReport.weightPathForReport(run, dir);
        if (trajectory != null) {
            images.put(trajectory, "Weight trajectory: every checkpoint's weights projected on the first two principal "
                    + "components of all checkpoints (coloured by phase; labels at the phase boundaries). "
                    + "More with dynalens trajectory.");
        }

        List<String> spectra = new ArrayList<>();
        for (Map.Entry<Long, String> e : spectrumSteps().entrySet()) {
            double[] norms = freqNorms(e.getKey());
            if (norms == null) continue;
            double[] k = new double[norms.length];
            for (int i = 0; i < k.length; i++) k[i] = i + 1;
            Chart c = new Chart("Fourier spectrum of W_E at step " + e.getKey() + " (" + e.getValue() + ")",
                    "frequency k", "norm", false).add("W_E", k, norms, Chart.Style.BARS);
            String file = "spectrum-W_E-step-" + e.getKey() + ".png";
            c.writePng(dir.resolve(file), WIDTH / 2 + 40, HEIGHT - 40);
            spectra.add(file);
        }

        Path html = dir.resolve("index.html");
        try {
            Files.writeString(html, html(images, spectra, keyOverTime));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + html + ": " + e.getMessage(), e);
        }
        List<String> all = new ArrayList<>(images.keySet());
        all.addAll(spectra);
        return new Written(html, all, phases);
    }

    private Chart phaseChart(String title, String yLabel, boolean log) {
        Chart c = new Chart(title, "step", yLabel, log).xRange(firstStep, lastStep);
        Long m = phases.memorisationEnd(), cf = phases.circuitFormationEnd(), cl = phases.cleanupEnd();
        if (m == null) return c;
        c.band(firstStep, m, MEMORISATION, "memorisation");
        c.band(m, cf == null ? lastStep : cf, CIRCUIT_FORMATION, cf == null ? "circuit formation (no end yet)"
                : "circuit formation");
        if (cf != null) c.band(cf, cl == null ? lastStep : cl, CLEANUP, cl == null ? "cleanup (no end yet)" : "cleanup");
        return c;
    }

    private void plot(Path dir, Map<String, String> images, String file, String title, String yLabel, boolean log,
                      String[] names, MetricSeries s, double[] x, String caption) {
        Chart c = phaseChart(title, yLabel, log);
        for (String n : names) c.add(n, x, column(s, n), Chart.Style.LINE);
        save(dir, images, file, c, caption);
    }

    private static void save(Path dir, Map<String, String> images, String file, Chart c, String caption) {
        c.writePng(dir.resolve(file), WIDTH, HEIGHT);
        images.put(file, caption);
    }

    /** The first and last analysed checkpoints and those at (or just before) each phase boundary. */
    private Map<Long, String> spectrumSteps() {
        long[] steps = measures.steps();
        Map<Long, String> out = new LinkedHashMap<>();
        out.put(steps[0], "start");
        put(out, steps, phases.memorisationEnd(), "end of memorisation");
        put(out, steps, phases.circuitFormationEnd(), "end of circuit formation");
        put(out, steps, phases.cleanupEnd(), "end of cleanup");
        out.merge(steps[steps.length - 1], "last checkpoint", (a, b) -> a + ", " + b);
        return out;
    }

    private static void put(Map<Long, String> out, long[] steps, Long boundary, String label) {
        if (boundary == null) return;
        long at = steps[0];
        for (long s : steps) if (s <= boundary) at = s;
        out.merge(at, label, (a, b) -> a + ", " + b);
    }

    private double[] freqNorms(long step) {
        try {
            return run.readTensor(step, "analysis/freq_norms_W_E").doubles();
        } catch (ArchiveException e) {
            return null;
        }
    }

    private TreeMap<Long, int[]> keyFrequenciesOverTime() {
        TreeMap<Long, int[]> out = new TreeMap<>();
        for (long step : measures.steps()) {
            try {
                out.put(step, run.readTensor(step, "analysis/key_freqs").ints());
            } catch (ArchiveException e) {
                // checkpoint deleted or not analysed: no dot
            }
        }
        return out;
    }

    private String keyFrequencySource() {
        return "final".equals(info.summary().get("loss_key_freqs_from")) ? "final checkpoint's"
                : "each checkpoint's own";
    }

    private String html(Map<String, String> images, List<String> spectra, TreeMap<Long, int[]> keyOverTime) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dynalens report: ")
                .append(esc(info.id())).append("</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;"
                        + "color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:left}img{max-width:100%;border:1px solid #eee}.grid img{width:48%}"
                        + "figcaption{color:#555;font-size:90%;margin-bottom:1.5em}</style></head><body>\n");
        h.append("<h1>Run ").append(esc(info.id())).append("</h1>\n");
        Object status = info.summary().get("status");
        h.append("<p>Task <b>").append(esc(info.task())).append("</b>, seed ").append(info.seed()).append(", status <b>")
                .append(esc(String.valueOf(status))).append("</b>")
                .append("running".equals(status) ? " (partial: the run was still training when this report was made)" : "")
                .append(". Config: <code>").append(esc(String.valueOf(info.config()))).append("</code></p>\n");

        h.append("<h2>Key numbers</h2>\n<table>\n");
        row(h, "last step", Long.toString(lastStep));
        row(h, "grok step (test loss first &lt; 0.1)", str(phases.grokStep()));
        row(h, "memorisation", firstStep + " &ndash; " + str(phases.memorisationEnd()));
        row(h, "circuit formation", str(phases.memorisationEnd()) + " &ndash; " + str(phases.circuitFormationEnd()));
        row(h, "cleanup", str(phases.circuitFormationEnd()) + " &ndash; " + str(phases.cleanupEnd()));
        int[] finalKeys = keyOverTime.isEmpty() ? new int[0] : keyOverTime.lastEntry().getValue();
        row(h, "key frequencies (last checkpoint, " + (keyOverTime.isEmpty() ? "-" : keyOverTime.lastKey()) + ")",
                Arrays.toString(finalKeys) + " (" + finalKeys.length + ")");
        row(h, "key frequencies used by restricted/excluded loss", keyFrequencySource()
                + (info.summary().get("final_key_freqs") != null ? " " + esc(String.valueOf(info.summary().get("final_key_freqs"))) : ""));
        for (String n : List.of("train_loss", "test_loss", "train_acc", "test_acc")) row(h, "final " + n, num(last(metrics, n)));
        for (String n : List.of("restricted_loss", "excluded_loss", "gini_W_E", "gini_W_L")) row(h, "final " + n, num(last(measures, n)));
        double[] w = column(metrics, "sum_sq_weights");
        int peak = argMax(w);
        if (peak >= 0) {
            row(h, "sum of squared weights", num(w[0]) + " (start) &rarr; " + num(w[peak]) + " (peak, step "
                    + metrics.steps()[peak] + ") &rarr; " + num(last(metrics, "sum_sq_weights")) + " (end)");
        }
        h.append("</table>\n<p>Phases (shaded) by the rule of <code>GrokkingPhases</code> (Nanda et al. 2023 sec. 5.2): "
                + "memorisation ends at the excluded loss's minimum (with per-checkpoint key frequencies, at the peak "
                + "of the weight norm); circuit formation ends where test loss leaves its plateau (the last step before "
                + "the grok step with test loss at least half its median since memorisation); cleanup ends when the "
                + "sum of squared weights has made 90% of its remaining fall.</p>\n");

        h.append("<h2>Measures over training</h2>\n");
        images.forEach((file, caption) -> h.append("<figure><img src=\"").append(esc(file)).append("\" alt=\"")
                .append(esc(file)).append("\"><figcaption>").append(esc(caption)).append("</figcaption></figure>\n"));
        h.append("<h2>Fourier spectrum of W_E</h2>\n<p>Norm of the cos/sin components of each frequency k of the "
                + "embedding (the number tokens' rows): dense at initialisation, a few key frequencies at the end "
                + "(Nanda et al. 2023 fig. 3).</p>\n<div class=\"grid\">\n");
        for (String f : spectra) h.append("<img src=\"").append(esc(f)).append("\" alt=\"").append(esc(f)).append("\">\n");
        h.append("</div>\n</body></html>\n");
        return h.toString();
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(k).append("</th><td>").append(v).append("</td></tr>\n");
    }

    static double[] column(MetricSeries s, String name) {
        if (!s.names().contains(name)) {
            double[] nan = new double[s.size()];
            Arrays.fill(nan, Double.NaN);
            return nan;
        }
        return s.values(name);
    }

    /** The last finite value of a metric, or NaN. */
    static double last(MetricSeries s, String name) {
        double[] v = column(s, name);
        for (int i = v.length - 1; i >= 0; i--) if (Double.isFinite(v[i])) return v[i];
        return Double.NaN;
    }

    private static int argMax(double[] v) {
        int best = -1;
        for (int i = 0; i < v.length; i++) if (Double.isFinite(v[i]) && (best < 0 || v[i] > v[best])) best = i;
        return best;
    }

    private static double[] toDouble(long[] v) {
        return Arrays.stream(v).asDoubleStream().toArray();
    }

    private static String str(Long step) {
        return step == null ? "not found" : step.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4g", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
