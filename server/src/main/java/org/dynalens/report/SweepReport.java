package org.dynalens.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.analysis.PhaseDetector;
import org.dynalens.plugin.analysis.PhaseDetector.Phases;
import org.dynalens.server.CheckpointDiff;
import org.dynalens.server.LogitProbe;
import org.dynalens.sweep.SweepStore;

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
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The path-dependence report of a sweep ({@code dynalens sweep-report}): per member run its seed, grok step, phase
 * boundaries ({@link org.dynalens.plugin.analysis.GrokkingPhases}, from the run summary) and final key frequencies;
 * a run x frequency table of which frequencies each run chose; and for every pair of runs with the same
 * architecture, a comparison of their final checkpoints: Hungarian matching of attention heads by the similarity of
 * their token-space OV/QK circuits ({@link CheckpointDiff#heads}) and linear CKA of the logits on every input of
 * the task ({@link LogitProbe}) and of the token embeddings. Writes {@code index.html}, PNG plots,
 * {@code path-dependence.json} and the CSV tables {@code runs.csv}, {@code key-freqs.csv} and {@code pairs.csv}.
 */
public final class SweepReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What was written, and the tables (for callers and tests). */
    public record Written(Path html, Path json, List<String> images, List<Map<String, Object>> runs,
                          List<Integer> frequencies, List<Map<String, Object>> pairs) {
    }

    private SweepReport() {
    }

    public static Written write(Archive archive, String sweepId, Path dir) {
        Map<String, Object> sweep = SweepStore.read(archive, sweepId);
        List<String> ids = SweepStore.memberIds(sweep);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create report directory " + dir + ": " + e.getMessage(), e);
        }
        List<Member> members = new ArrayList<>();
        List<Map<String, Object>> runs = new ArrayList<>();
        for (String id : ids) {
            Member m = Member.load(archive, id);
            members.add(m);
            runs.add(m.row());
        }
        TreeSet<Integer> allFreqs = new TreeSet<>();
        for (Member m : members) if (m.keyFreqs != null) for (int k : m.keyFreqs) allFreqs.add(k);
        List<Integer> frequencies = new ArrayList<>(allFreqs);

        List<Map<String, Object>> pairs = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            for (int j = i + 1; j < members.size(); j++) {
                pairs.add(compare(members.get(i), members.get(j)));
            }
        }

        List<String> images = new ArrayList<>();
        plots(dir, members, images);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("sweep_id", sweepId);
        doc.put("grid", sweep.get("grid"));
        doc.put("runs", runs);
        doc.put("frequencies", frequencies);
        doc.put("pairs", pairs);
        Path json = dir.resolve("path-dependence.json");
        Path html = dir.resolve("index.html");
        try {
            JSON.writeValue(json.toFile(), doc);
            Files.writeString(dir.resolve("runs.csv"), runsCsv(runs));
            Files.writeString(dir.resolve("key-freqs.csv"), keyFreqCsv(members, frequencies));
            Files.writeString(dir.resolve("pairs.csv"), pairsCsv(pairs));
            Files.writeString(html, html(sweepId, sweep, members, runs, frequencies, pairs, images));
            Files.writeString(dir.resolve("README.md"), markdown(sweepId, sweep, members, runs, frequencies, pairs, images));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + dir + ": " + e.getMessage(), e);
        }
        return new Written(html, json, images, runs, frequencies, pairs);
    }

    /** One member run: its info and final checkpoint (null when the run is missing or has none). */
    private record Member(String id, RunInfo info, Checkpoint last, int[] keyFreqs, MetricSeries metrics) {

        static Member load(Archive archive, String id) {
            if (!archive.hasRun(id)) return new Member(id, null, null, null, new MetricSeries());
            RunArchive run = archive.run(id);
            List<Long> steps = run.checkpointSteps();
            Checkpoint last = steps.isEmpty() ? null : run.readCheckpoint(steps.get(steps.size() - 1));
            int[] keys = null;
            for (int i = steps.size() - 1; i >= 0 && keys == null; i--) { // the newest analysed checkpoint
                try {
                    keys = run.readTensor(steps.get(i), "analysis/key_freqs").ints();
                } catch (ArchiveException e) {
                    // not analysed: try the one before
                }
            }
            return new Member(id, run.info(), last, keys, run.readMetrics());
        }

        Map<String, Object> row() {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("run_id", id);
            if (info == null) {
                r.put("status", "missing");
                return r;
            }
            Phases p = Phases.fromSummary(info.summary());
            r.put("seed", info.seed());
            r.put("task", info.task());
            r.put("status", info.summary().get("status"));
            r.put("last_step", last == null ? null : last.step());
            r.put("grok_step", p.grokStep());
            r.put(PhaseDetector.MEMORISATION_END, p.memorisationEnd());
            r.put(PhaseDetector.CIRCUIT_FORMATION_END, p.circuitFormationEnd());
            r.put(PhaseDetector.CLEANUP_END, p.cleanupEnd());
            r.put("final_test_loss", last == null ? null : last.metrics().get("test_loss"));
            r.put("final_test_acc", last == null ? null : last.metrics().get("test_acc"));
            r.put("key_freqs", keyFreqs == null ? null : Arrays.stream(keyFreqs).boxed().toList());
            return r;
        }
    }

    private static Map<String, Object> compare(Member a, Member b) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run_a", a.id);
        out.put("run_b", b.id);
        if (a.last == null || b.last == null) {
            out.put("note", "a run has no checkpoint");
            return out;
        }
        out.put("step_a", a.last.step());
        out.put("step_b", b.last.step());
        Map<String, Tensor> pa = a.last.params(), pb = b.last.params();
        Map<String, int[]> sa = new LinkedHashMap<>(), sb = new LinkedHashMap<>();
        pa.forEach((k, v) -> sa.put(k, v.shape()));
        pb.forEach((k, v) -> sb.put(k, v.shape()));
        if (CheckpointDiff.architectureDifference(sa, sb) != null) {
            out.put("note", "different architectures: heads and activations are not compared");
            return out;
        }
        Map<String, Object> logits = LogitProbe.logitCka(a.info.config(), pa, b.info.config(), pb);
        out.put("logit_cka", logits.get("logits"));
        if (logits.get("note") != null) out.put("logit_cka_note", logits.get("note"));
        out.put("cka_inputs", logits.get("inputs"));
        out.put("embedding_cka", CheckpointDiff.embeddingCka(pa, pb));
        Map<String, Object> keys = CheckpointDiff.keyFrequencies(a.last, b.last);
        if (a.keyFreqs != null && b.keyFreqs != null) {
            TreeSet<Integer> shared = new TreeSet<>(Arrays.stream(a.keyFreqs).boxed().toList());
            shared.retainAll(Arrays.stream(b.keyFreqs).boxed().toList());
            out.put("shared_key_freqs", new ArrayList<>(shared));
        } else if (keys.get("note") != null) {
            out.put("shared_key_freqs", null);
        }
        List<Map<String, Object>> layers = CheckpointDiff.heads(pa, pb, false);
        List<Object> matchings = new ArrayList<>();
        double sum = 0;
        int n = 0;
        for (Map<String, Object> layer : layers) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("layer", layer.get("layer"));
            l.put("matching", layer.get("matching"));
            matchings.add(l);
            for (Object o : (List<?>) layer.get("matching")) {
                double s = ((Number) ((Map<?, ?>) o).get("similarity")).doubleValue();
                if (Double.isFinite(s)) {
                    sum += s;
                    n++;
                }
            }
        }
        out.put("mean_matched_head_similarity", n == 0 ? null : sum / n);
        out.put("head_matching", matchings);
        return out;
    }

    private static void plots(Path dir, List<Member> members, List<String> images) {
        Chart loss = new Chart("Test loss of every run (log scale)", "step", "test loss", true);
        for (Member m : members) {
            if (m.metrics.size() == 0 || !m.metrics.names().contains("test_loss")) continue;
            loss.add(label(m), Arrays.stream(m.metrics.steps()).asDoubleStream().toArray(), m.metrics.values("test_loss"),
                    Chart.Style.LINE);
        }
        loss.writePng(dir.resolve("test-loss.png"), RunReport.WIDTH, RunReport.HEIGHT);
        images.add("test-loss.png");

        double[] x = new double[members.size()];
        double[] grok = new double[members.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
            Long g = members.get(i).info == null ? null : Phases.fromSummary(members.get(i).info.summary()).grokStep();
            grok[i] = g == null ? Double.NaN : g;
        }
        new Chart("Grok step (test loss first < 0.1) by run (x = run number in the tables)", "run", "step", false)
                .xRange(-0.5, members.size() - 0.5).add("grok step", x, grok, Chart.Style.BARS).writePng(dir.resolve("grok-steps.png"), RunReport.WIDTH, RunReport.HEIGHT);
        images.add("grok-steps.png");

        List<Double> kx = new ArrayList<>(), ky = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            int[] keys = members.get(i).keyFreqs;
            if (keys == null) continue;
            for (int k : keys) {
                kx.add((double) i);
                ky.add((double) k);
            }
        }
        int maxK = 1;
        for (Member m : members) {
            if (m.info != null && m.info.config().get("p") instanceof Number p) maxK = Math.max(maxK, (p.intValue() - 1) / 2);
        }
        new Chart("Final key frequencies by run (x = run number in the tables)", "run", "frequency k", false)
                .xRange(-0.5, members.size() - 0.5).yRange(0, maxK + 1).add("key frequency", kx.stream().mapToDouble(Double::doubleValue).toArray(),
                        ky.stream().mapToDouble(Double::doubleValue).toArray(), Chart.Style.POINTS)
                .writePng(dir.resolve("key-freqs.png"), RunReport.WIDTH, RunReport.HEIGHT);
        images.add("key-freqs.png");
    }

    private static String label(Member m) {
        return m.info == null ? m.id : "seed " + m.info.seed();
    }

    private static String runsCsv(List<Map<String, Object>> runs) {
        List<String> cols = List.of("run_id", "seed", "status", "last_step", "grok_step", PhaseDetector.MEMORISATION_END,
                PhaseDetector.CIRCUIT_FORMATION_END, PhaseDetector.CLEANUP_END, "final_test_loss", "final_test_acc",
                "key_freqs");
        StringBuilder s = new StringBuilder(String.join(",", cols)).append('\n');
        for (Map<String, Object> r : runs) {
            s.append(cols.stream().map(c -> csv(r.get(c))).collect(Collectors.joining(","))).append('\n');
        }
        return s.toString();
    }

    private static String keyFreqCsv(List<Member> members, List<Integer> freqs) {
        StringBuilder s = new StringBuilder("run_id,seed");
        for (int k : freqs) s.append(",k").append(k);
        s.append('\n');
        for (Member m : members) {
            s.append(csv(m.id)).append(',').append(m.info == null ? "" : m.info.seed());
            for (int k : freqs) s.append(',').append(chose(m, k) ? 1 : 0);
            s.append('\n');
        }
        return s.toString();
    }

    private static boolean chose(Member m, int k) {
        return m.keyFreqs != null && Arrays.stream(m.keyFreqs).anyMatch(x -> x == k);
    }

    private static String pairsCsv(List<Map<String, Object>> pairs) {
        List<String> cols = List.of("run_a", "run_b", "logit_cka", "embedding_cka", "mean_matched_head_similarity",
                "shared_key_freqs", "note");
        StringBuilder s = new StringBuilder(String.join(",", cols)).append(",head_matching\n");
        for (Map<String, Object> p : pairs) {
            s.append(cols.stream().map(c -> csv(p.get(c))).collect(Collectors.joining(",")));
            s.append(',').append(csv(matchingText(p))).append('\n');
        }
        return s.toString();
    }

    /** "L0: 0->2 1->0 ..." for a pair's head matching. */
    private static String matchingText(Map<String, Object> pair) {
        if (!(pair.get("head_matching") instanceof List<?> layers)) return "";
        StringBuilder s = new StringBuilder();
        for (Object o : layers) {
            Map<?, ?> l = (Map<?, ?>) o;
            if (s.length() > 0) s.append("; ");
            s.append('L').append(l.get("layer")).append(':');
            for (Object mo : (List<?>) l.get("matching")) {
                Map<?, ?> m = (Map<?, ?>) mo;
                s.append(' ').append(m.get("a")).append("->").append(m.get("b"));
            }
        }
        return s.toString();
    }

    private static String csv(Object v) {
        if (v == null) return "";
        String s = v instanceof List<?> l ? l.stream().map(String::valueOf).collect(Collectors.joining(" ")) : v.toString();
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    private static String html(String sweepId, Map<String, Object> sweep, List<Member> members,
                               List<Map<String, Object>> runs, List<Integer> freqs, List<Map<String, Object>> pairs,
                               List<String> images) {
        String esc = "";
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dynalens sweep report: ")
                .append(RunReport.esc(sweepId)).append(esc).append("</title>\n<style>body{font-family:sans-serif;max-width:1100px;"
                        + "margin:2em auto;color:#222}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;"
                        + "padding:3px 8px;text-align:left}img{max-width:100%;border:1px solid #eee}td.y{background:#cde}"
                        + "</style></head><body>\n");
        h.append("<h1>Path dependence: sweep ").append(RunReport.esc(sweepId)).append("</h1>\n<p>Grid: <code>")
                .append(RunReport.esc(String.valueOf(sweep.get("grid")))).append("</code>; overrides: <code>")
                .append(RunReport.esc(String.valueOf(sweep.get("runs")))).append("</code>. Machine-readable: "
                        + "<a href=\"path-dependence.json\">path-dependence.json</a>, <a href=\"runs.csv\">runs.csv</a>, "
                        + "<a href=\"key-freqs.csv\">key-freqs.csv</a>, <a href=\"pairs.csv\">pairs.csv</a>.</p>\n");
        h.append("<h2>Runs</h2>\n<table><tr><th>#</th><th>run</th><th>seed</th><th>status</th><th>grok step</th>"
                + "<th>memorisation end</th><th>circuit formation end</th><th>cleanup end</th><th>final test loss</th>"
                + "<th>key frequencies</th></tr>\n");
        for (int i = 0; i < runs.size(); i++) {
            Map<String, Object> r = runs.get(i);
            h.append("<tr><td>").append(i).append("</td>");
            for (String c : List.of("run_id", "seed", "status", "grok_step", PhaseDetector.MEMORISATION_END,
                    PhaseDetector.CIRCUIT_FORMATION_END, PhaseDetector.CLEANUP_END, "final_test_loss", "key_freqs")) {
                Object v = r.get(c);
                h.append("<td>").append(RunReport.esc(v instanceof Double d ? String.format(Locale.ROOT, "%.4g", d)
                        : v == null ? "-" : String.valueOf(v))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<h2>Which frequencies each run chose</h2>\n<table><tr><th>run</th>");
        for (int k : freqs) h.append("<th>k=").append(k).append("</th>");
        h.append("</tr>\n");
        for (Member m : members) {
            h.append("<tr><td>").append(RunReport.esc(label(m))).append("</td>");
            for (int k : freqs) h.append(chose(m, k) ? "<td class=\"y\">&#10003;</td>" : "<td></td>");
            h.append("</tr>\n");
        }
        h.append("</table>\n<h2>Final checkpoints compared pairwise</h2>\n<p>").append(RunReport.esc(PAIRS_LEGEND))
                .append("</p>\n<table><tr><th>run a</th><th>run b</th><th>logit CKA</th>"
                + "<th>embedding CKA</th><th>matched head similarity</th><th>head matching</th><th>shared key freqs</th></tr>\n");
        for (Map<String, Object> p : pairs) {
            h.append("<tr><td>").append(RunReport.esc(String.valueOf(p.get("run_a")))).append("</td><td>")
                    .append(RunReport.esc(String.valueOf(p.get("run_b")))).append("</td><td>").append(num(p.get("logit_cka")))
                    .append("</td><td>").append(num(p.get("embedding_cka"))).append("</td><td>")
                    .append(num(p.get("mean_matched_head_similarity"))).append("</td><td>")
                    .append(RunReport.esc(p.get("note") != null ? String.valueOf(p.get("note")) : matchingText(p)))
                    .append("</td><td>").append(RunReport.esc(String.valueOf(p.getOrDefault("shared_key_freqs", "-"))))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n<h2>Plots</h2>\n");
        for (String f : images) h.append("<figure><img src=\"").append(f).append("\" alt=\"").append(f).append("\"></figure>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    private static final String PAIRS_LEGEND = "Logit CKA: linear CKA (Kornblith et al. 2019) of the two models' "
            + "logits on every input of the task. For modular arithmetic it measures shared key frequencies, not shared "
            + "accuracy: two models whose logits use disjoint sets of frequencies have Gram matrices built from "
            + "orthogonal Fourier components, so their CKA is near 0 even when both are perfect. Embedding CKA: of the "
            + "rows of W_E. Heads: Hungarian matching of heads by the mean cosine of their token-space OV and QK "
            + "circuits; the mean similarity of matched heads is shown.";

    /** The same tables as the HTML page, as Markdown (renders where the report is committed, e.g. under docs/). */
    private static String markdown(String sweepId, Map<String, Object> sweep, List<Member> members,
                                   List<Map<String, Object>> runs, List<Integer> freqs, List<Map<String, Object>> pairs,
                                   List<String> images) {
        StringBuilder m = new StringBuilder("# Path dependence: sweep ").append(sweepId).append("\n\n");
        m.append("Grid `").append(sweep.get("grid")).append("`; overrides `").append(sweep.get("runs"))
                .append("`. Written by `dynalens sweep-report`; the same tables with the plots: [index.html](index.html); "
                        + "machine-readable: [path-dependence.json](path-dependence.json), [runs.csv](runs.csv), "
                        + "[key-freqs.csv](key-freqs.csv), [pairs.csv](pairs.csv).\n\n## Runs\n\n");
        m.append("| run | seed | status | last step | grok step | memorisation end | circuit formation end | cleanup end "
                + "| final test loss | key frequencies |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Map<String, Object> r : runs) {
            m.append('|');
            for (String c : List.of("run_id", "seed", "status", "last_step", "grok_step", PhaseDetector.MEMORISATION_END,
                    PhaseDetector.CIRCUIT_FORMATION_END, PhaseDetector.CLEANUP_END, "final_test_loss", "key_freqs")) {
                Object v = r.get(c);
                m.append(' ').append(v instanceof Double d ? String.format(Locale.ROOT, "%.3g", d) : v == null ? "–" : v)
                        .append(" |");
            }
            m.append('\n');
        }
        m.append("\n## Which frequencies each run chose\n\n| run |");
        for (int k : freqs) m.append(" k=").append(k).append(" |");
        m.append("\n|---|").append("---|".repeat(freqs.size())).append('\n');
        for (Member mem : members) {
            m.append("| ").append(label(mem)).append(" |");
            for (int k : freqs) m.append(chose(mem, k) ? " ✓ |" : " |");
            m.append('\n');
        }
        m.append("\n## Final checkpoints compared pairwise\n\n").append(PAIRS_LEGEND).append("\n\n");
        m.append("| run a | run b | logit CKA | embedding CKA | matched head similarity | head matching | shared key freqs |\n"
                + "|---|---|---:|---:|---:|---|---|\n");
        for (Map<String, Object> p : pairs) {
            m.append("| ").append(p.get("run_a")).append(" | ").append(p.get("run_b")).append(" | ")
                    .append(num(p.get("logit_cka"))).append(" | ").append(num(p.get("embedding_cka"))).append(" | ")
                    .append(num(p.get("mean_matched_head_similarity"))).append(" | ")
                    .append(p.get("note") != null ? p.get("note") : matchingText(p)).append(" | ")
                    .append(p.getOrDefault("shared_key_freqs", "–")).append(" |\n");
        }
        m.append("\n## Plots\n\n");
        for (String f : images) m.append("![").append(f).append("](").append(f).append(")\n\n");
        return m.toString();
    }

    private static String num(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "-";
    }
}
