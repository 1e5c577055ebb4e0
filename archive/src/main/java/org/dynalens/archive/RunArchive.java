package org.dynalens.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One run's directory in the archive:
 * <pre>
 * runs/&lt;id&gt;/run.h5                  id, task, seed, created; config, provenance, summary as JSON strings
 * runs/&lt;id&gt;/ckpt/step-00000100.h5   params/, optim/, metrics/, analysis/ (see {@link Checkpoint})
 * runs/&lt;id&gt;/metrics.h5              step [n] int64 and one float64 [n] column per metric
 * runs/&lt;id&gt;/measures.h5             the same layout, one row per analysed checkpoint (progress measures)
 * </pre>
 * Every file is written atomically; readers never see a half-written file.
 */
public final class RunArchive {

    static final String RUN_FILE = "run.h5";
    static final String METRICS_FILE = "metrics.h5";
    static final String MEASURES_FILE = "measures.h5";
    static final String CKPT_DIR = "ckpt";
    private static final Pattern CKPT_NAME = Pattern.compile("step-(\\d{8,})\\.h5");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private final Path dir;
    private final String id;

    RunArchive(Path dir, String id) {
        this.dir = dir;
        this.id = id;
    }

    public String id() {
        return id;
    }

    public Path dir() {
        return dir;
    }

    // ---- run.h5 -------------------------------------------------------------------------------------------------

    public RunInfo info() {
        return Hdf5.read(dir.resolve(RUN_FILE), "run", in -> new RunInfo(
                Hdf5.stringAttr(in, "run_id"),
                Hdf5.stringAttr(in, "task"),
                Hdf5.numberAttr(in, "seed").longValue(),
                Instant.parse(Hdf5.stringAttr(in, "created")),
                json(stringDataset(in, "config_json")),
                json(stringDataset(in, "provenance_json")),
                json(stringDataset(in, "summary_json"))));
    }

    /** Rewrites run.h5 atomically (e.g. to update the summary). */
    public void writeInfo(RunInfo info) {
        if (!info.id().equals(id)) throw new IllegalArgumentException("run info for " + info.id() + " written to " + id);
        Hdf5.writeAtomically(dir.resolve(RUN_FILE), "run", out -> {
            out.putAttribute("run_id", info.id());
            out.putAttribute("task", info.task());
            out.putAttribute("seed", info.seed());
            out.putAttribute("created", info.created().toString());
            // JSON goes into datasets, not attributes: jhdf writes unreadable files for attributes over 64 KB
            out.putDataset("config_json", new String[] {toJson(info.config())});
            out.putDataset("provenance_json", new String[] {toJson(info.provenance())});
            out.putDataset("summary_json", new String[] {toJson(info.summary())});
        });
    }

    /**
     * Deletes temporary files left behind by writes that never finished (the writing process was killed). Only the
     * run's one writer may call this, before it writes again; readers never see these files anyway.
     */
    public int removeInterruptedWrites() {
        int removed = 0;
        for (Path d : List.of(dir, dir.resolve(CKPT_DIR))) {
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : files.filter(f -> f.getFileName().toString().contains(".tmp-")).toList()) {
                    Files.deleteIfExists(f);
                    removed++;
                }
            } catch (IOException e) {
                throw new ArchiveException("cannot clean up " + d + ": " + Hdf5.oneLine(e), e);
            }
        }
        return removed;
    }

    // ---- checkpoints --------------------------------------------------------------------------------------------

    /** Steps of all complete checkpoints, ascending. Temporary files of interrupted writes are ignored. */
    public List<Long> checkpointSteps() {
        Path ckpt = dir.resolve(CKPT_DIR);
        if (!Files.isDirectory(ckpt)) return List.of();
        try (Stream<Path> files = Files.list(ckpt)) {
            return files.map(p -> CKPT_NAME.matcher(p.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(m -> Long.parseLong(m.group(1)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new ArchiveException("cannot list checkpoints of run " + id + ": " + Hdf5.oneLine(e), e);
        }
    }

    public OptionalLong lastCheckpointStep() {
        List<Long> steps = checkpointSteps();
        return steps.isEmpty() ? OptionalLong.empty() : OptionalLong.of(steps.get(steps.size() - 1));
    }

    public Path checkpointPath(long step) {
        return dir.resolve(CKPT_DIR).resolve(String.format("step-%08d.h5", step));
    }

    public void writeCheckpoint(Checkpoint c) {
        Hdf5.writeAtomically(checkpointPath(c.step()), "checkpoint", out -> {
            out.putAttribute("run_id", id);
            out.putAttribute("step", c.step());
            Map<String, WritableGroup> groups = Hdf5.newGroupCache();
            c.tensors().forEach((path, t) -> Hdf5.putTensor(out, groups, path, t));
            WritableGroup metrics = Hdf5.group(out, groups, "metrics");
            c.metrics().forEach(metrics::putDataset);
        });
    }

    /** Reads a whole checkpoint: every tensor and metric. */
    public Checkpoint readCheckpoint(long step) {
        return readCheckpointFile(step, in -> {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            collect(in, "", tensors);
            Map<String, Double> metrics = readMetricsGroup(in);
            tensors.keySet().removeIf(k -> k.startsWith(Checkpoint.METRICS));
            return new Checkpoint(Hdf5.numberAttr(in, "step").longValue(), tensors, metrics);
        });
    }

    /** The scalar metrics stored with a checkpoint, without reading its tensors. */
    public Map<String, Double> readCheckpointMetrics(long step) {
        return readCheckpointFile(step, RunArchive::readMetricsGroup);
    }

    /**
     * The scalar progress measures stored with a checkpoint (scalar datasets under {@code analysis/}, e.g.
     * {@code restricted_loss}); empty when the checkpoint was not analysed.
     */
    public Map<String, Double> readCheckpointMeasures(long step) {
        return readCheckpointFile(step, in -> {
            Map<String, Double> out = new LinkedHashMap<>();
            Node g = in.getChildren().get(Checkpoint.ANALYSIS.substring(0, Checkpoint.ANALYSIS.length() - 1));
            if (g instanceof Group group) {
                for (Node n : group) {
                    if (n instanceof Dataset ds && ds.isScalar()) out.put(n.getName(), Hdf5.readTensor(ds).doubleAt(0));
                }
            }
            return out;
        });
    }

    /** Paths, shapes and types of every tensor in a checkpoint, without reading values. */
    public List<TensorInfo> listTensors(long step) {
        return readCheckpointFile(step, in -> {
            List<TensorInfo> out = new ArrayList<>();
            listDatasets(in, "", out);
            out.removeIf(t -> t.path().startsWith(Checkpoint.METRICS));
            return out;
        });
    }

    /** One tensor of a checkpoint, e.g. {@code params/embed.W_E}. */
    public Tensor readTensor(long step, String path) {
        checkTensorPath(path);
        return readCheckpointFile(step, in -> Hdf5.readTensor(dataset(in, step, path)));
    }

    /** A hyper-rectangular slice of one tensor. */
    public Tensor readSlice(long step, String path, long[] offset, int[] shape) {
        checkTensorPath(path);
        return readCheckpointFile(step, in -> Hdf5.readSlice(dataset(in, step, path), offset, shape));
    }

    private <T> T readCheckpointFile(long step, java.util.function.Function<HdfFile, T> reader) {
        Path file = checkpointPath(step);
        if (!Files.isRegularFile(file)) {
            throw new ArchiveException.NotFound("run " + id + " has no checkpoint at step " + step);
        }
        return Hdf5.read(file, "checkpoint", reader);
    }

    private static void checkTensorPath(String path) {
        if (path == null || path.isBlank() || path.contains("..") || path.startsWith("/")) {
            throw new ArchiveException.NotFound("invalid tensor path '" + path + "'");
        }
    }

    private Dataset dataset(HdfFile in, long step, String path) {
        Node node;
        try {
            node = in.getByPath(path);
        } catch (RuntimeException e) {
            node = null;
        }
        if (!(node instanceof Dataset ds)) {
            throw new ArchiveException.NotFound("checkpoint " + step + " of run " + id + " has no tensor '" + path + "'");
        }
        return ds;
    }

    private static Map<String, Double> readMetricsGroup(HdfFile in) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        Node g = in.getChildren().get("metrics");
        if (g instanceof Group group) {
            for (Node n : group) {
                if (n instanceof Dataset ds) metrics.put(n.getName(), Hdf5.readTensor(ds).doubleAt(0));
            }
        }
        return metrics;
    }

    private static void collect(Group g, String prefix, Map<String, Tensor> out) {
        for (Node n : g) {
            String path = prefix + n.getName();
            if (n instanceof Group child) collect(child, path + "/", out);
            else if (n instanceof Dataset ds) out.put(path, Hdf5.readTensor(ds));
        }
    }

    private static void listDatasets(Group g, String prefix, List<TensorInfo> out) {
        for (Node n : g) {
            String path = prefix + n.getName();
            if (n instanceof Group child) {
                listDatasets(child, path + "/", out);
            } else if (n instanceof Dataset ds) {
                int[] shape = ds.isScalar() ? new int[0] : ds.getDimensions();
                out.add(new TensorInfo(path, shape, dtypeName(ds.getJavaType())));
            }
        }
    }

    private static String dtypeName(Class<?> type) {
        // jhdf reports a scalar dataset's type boxed (Long.class), an array's as primitive (long.class)
        if (type == float.class || type == Float.class) return "float32";
        if (type == double.class || type == Double.class) return "float64";
        if (type == long.class || type == Long.class) return "int64";
        return "int32";
    }

    // ---- metrics.h5 ---------------------------------------------------------------------------------------------

    /** The dense metric series; empty when none was written yet. */
    public MetricSeries readMetrics() {
        return readSeries(METRICS_FILE, "metrics");
    }

    public void writeMetrics(MetricSeries series) {
        writeSeries(METRICS_FILE, "metrics", series);
    }

    // ---- measures.h5 --------------------------------------------------------------------------------------------

    /**
     * The progress measures of the analysed checkpoints (restricted loss, Gini coefficients, ...): one row per
     * checkpoint whose analysis finished, in the layout of {@code metrics.h5}. Empty when no checkpoint was analysed
     * (an older run, or a task without analyses). It is a separate file because analyses are written from another
     * thread than the training metrics, and jhdf can only rewrite whole files.
     */
    public MetricSeries readMeasures() {
        return readSeries(MEASURES_FILE, "measures");
    }

    public void writeMeasures(MetricSeries series) {
        writeSeries(MEASURES_FILE, "measures", series);
    }

    private MetricSeries readSeries(String fileName, String kind) {
        Path file = dir.resolve(fileName);
        if (!Files.exists(file)) return new MetricSeries();
        return Hdf5.read(file, kind, in -> {
            long[] steps = (long[]) Hdf5.readTensor(in.getDatasetByPath("step")).data();
            Map<String, double[]> cols = new LinkedHashMap<>();
            for (Node n : in) {
                if (n instanceof Dataset ds && !n.getName().equals("step")) cols.put(n.getName(), Hdf5.readTensor(ds).doubles());
            }
            return MetricSeries.of(steps, cols);
        });
    }

    private void writeSeries(String fileName, String kind, MetricSeries series) {
        MetricSeries s = series.copy();
        Hdf5.writeAtomically(dir.resolve(fileName), kind, out -> {
            out.putAttribute("run_id", id);
            Map<String, WritableGroup> groups = Hdf5.newGroupCache();
            Hdf5.putTensor(out, groups, "step", Tensor.of(s.steps(), s.size()));
            for (String name : s.names()) Hdf5.putTensor(out, groups, name, Tensor.vector(s.values(name)));
        });
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static String stringDataset(HdfFile in, String name) {
        Object data = in.getDatasetByPath(name).getData();
        if (data instanceof String[] arr) return arr[0];
        return String.valueOf(data);
    }

    static String toJson(Map<String, Object> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new ArchiveException("value cannot be stored as JSON: " + Hdf5.oneLine(e), e);
        }
    }

    static Map<String, Object> json(String text) {
        try {
            return JSON.readValue(text, MAP);
        } catch (JsonProcessingException e) {
            throw new ArchiveException("stored JSON is corrupt: " + Hdf5.oneLine(e), e);
        }
    }
}
