package org.dynalens.sweep;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunId;
import org.dynalens.archive.RunInfo;
import org.dynalens.plugin.train.RunConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sweeps in an archive: {@code sweeps/<id>.json} holds the sweep's id, grid, override list and member runs (written
 * atomically: temp file, then rename). Which members are done is never stored here; it is read from the runs
 * themselves ({@link #isDone}), so a killed sweep knows exactly what is left. Each member run also carries the sweep
 * id in its summary ({@value #SUMMARY_KEY}, a list: a run may belong to several sweeps), so the index finds the
 * members with {@code sweep:ID}.
 */
public final class SweepStore {

    /** The run-summary key (and index field) naming the sweeps a run belongs to. */
    public static final String SUMMARY_KEY = "sweep";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SweepStore() {
    }

    static Path file(Archive archive, String sweepId) {
        RunId.check(sweepId);
        return archive.root().resolve("sweeps").resolve(sweepId + ".json");
    }

    /**
     * Records the sweep in the archive. A sweep id that already names a sweep with other members is refused (pick
     * another {@code sweep_id}); the same sweep again keeps its creation time.
     */
    public static void save(Archive archive, SweepSpec spec) {
        Path f = file(archive, spec.id());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("sweep_id", spec.id());
        doc.put("created", Instant.now().toString());
        if (Files.exists(f)) {
            Map<String, Object> old = read(archive, spec.id());
            if (!spec.runIds().equals(memberIds(old))) {
                throw new IllegalArgumentException("sweep '" + spec.id() + "' already exists in " + archive.root()
                        + " with other runs; choose another sweep_id");
            }
            doc.put("created", old.get("created"));
        }
        doc.put("base", spec.base());
        doc.put("grid", spec.grid());
        doc.put("runs", spec.runs());
        List<Map<String, Object>> members = new ArrayList<>();
        for (SweepSpec.Member m : spec.members()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("run_id", m.runId());
            row.put("overrides", m.overrides());
            row.put("config", m.config().toMap());
            members.add(row);
        }
        doc.put("members", members);
        try {
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            JSON.writeValue(tmp.toFile(), doc);
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ArchiveException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    /** The stored sweep document; {@link ArchiveException.NotFound} for an unknown sweep. */
    public static Map<String, Object> read(Archive archive, String sweepId) {
        Path f = file(archive, sweepId);
        if (!Files.isRegularFile(f)) throw new ArchiveException.NotFound("no sweep '" + sweepId + "' in archive " + archive.root());
        try {
            return JSON.readValue(f.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (IOException e) {
            throw new ArchiveException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /** The member run ids of a stored sweep document, in sweep order. */
    public static List<String> memberIds(Map<String, Object> sweep) {
        List<String> ids = new ArrayList<>();
        if (sweep.get("members") instanceof List<?> l) {
            for (Object o : l) if (o instanceof Map<?, ?> m) ids.add(String.valueOf(m.get("run_id")));
        }
        return ids;
    }

    /** The member configs of a stored sweep document, in sweep order. */
    public static List<RunConfig> memberConfigs(Map<String, Object> sweep) {
        List<RunConfig> out = new ArrayList<>();
        if (sweep.get("members") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m && m.get("config") instanceof Map<?, ?> c) {
                    Map<String, Object> values = new LinkedHashMap<>();
                    c.forEach((k, v) -> values.put(k.toString(), v));
                    out.add(RunConfig.fromMap(values).withRunId(String.valueOf(m.get("run_id"))));
                }
            }
        }
        return out;
    }

    /** Whether the run {@code cfg} describes exists and its newest checkpoint is its final step. */
    public static boolean isDone(Archive archive, RunConfig cfg) {
        String id = cfg.resolvedRunId();
        if (!archive.hasRun(id)) return false;
        List<Long> steps = archive.run(id).checkpointSteps();
        return !steps.isEmpty() && steps.get(steps.size() - 1) >= cfg.steps();
    }

    /** The run's info with {@code sweepId} added to its {@value #SUMMARY_KEY} list (unchanged if already there). */
    public static RunInfo tagged(RunInfo info, String sweepId) {
        Set<String> sweeps = new LinkedHashSet<>();
        Object old = info.summary().get(SUMMARY_KEY);
        if (old instanceof List<?> l) l.forEach(s -> sweeps.add(String.valueOf(s)));
        else if (old != null) sweeps.add(old.toString());
        if (!sweeps.add(sweepId)) return info;
        return info.withSummary(Map.of(SUMMARY_KEY, new ArrayList<>(sweeps)));
    }

    /** Adds the sweep to a stored run's summary (no write when it is already there). */
    public static RunInfo tag(RunArchive run, String sweepId) {
        RunInfo info = run.info();
        RunInfo t = tagged(info, sweepId);
        if (t != info) run.writeInfo(t);
        return t;
    }
}
