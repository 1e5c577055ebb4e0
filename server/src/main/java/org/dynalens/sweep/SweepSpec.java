package org.dynalens.sweep;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.dynalens.archive.RunId;
import org.dynalens.plugin.train.RunConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sweep file: a base run config (the keys of {@code configs/grokking-p113.json}) plus a {@code grid} (key -> list
 * of values, expanded as a cartesian product, the last key varying fastest) and/or a {@code runs} list of overrides
 * (each combined with every grid point), and an optional {@code sweep_id}. Expansion is deterministic and every
 * member's run id is the one {@code dynalens train} derives from the same config, so re-running a sweep resumes it.
 *
 * @param id      the sweep id: {@code sweep_id}, else {@code sweep-} plus a hash of the member run ids
 * @param base    the base config values as written in the file
 * @param grid    the grid as written (empty when absent)
 * @param runs    the override list as written (empty when absent)
 * @param members the expanded runs, in execution order
 */
public record SweepSpec(String id, Map<String, Object> base, Map<String, List<Object>> grid,
                        List<Map<String, Object>> runs, List<Member> members) {

    static final String GRID = "grid", RUNS = "runs", SWEEP_ID = "sweep_id";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One run of the sweep: the values it overrides on the base, and its validated config. */
    public record Member(String runId, Map<String, Object> overrides, RunConfig config) {
    }

    /** Reads and expands a sweep file; any problem is an {@link IllegalArgumentException} naming it. */
    public static SweepSpec read(Path file) {
        Map<String, Object> raw;
        try {
            raw = JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            throw new IllegalArgumentException("cannot read sweep file " + file + ": "
                    + (m.contains("\n") ? m.substring(0, m.indexOf('\n')) : m), e);
        }
        if (raw == null) throw new IllegalArgumentException("sweep file " + file + " is empty");
        try {
            return of(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sweep file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Expands a parsed sweep file. */
    public static SweepSpec of(Map<String, Object> raw) {
        Map<String, Object> base = new LinkedHashMap<>(raw);
        Object gridValue = base.remove(GRID);
        Object runsValue = base.remove(RUNS);
        Object idValue = base.remove(SWEEP_ID);
        if (base.containsKey("run_id")) {
            throw new IllegalArgumentException("run_id cannot be set in a sweep (each member's id is derived from its config)");
        }
        Map<String, List<Object>> grid = grid(gridValue);
        List<Map<String, Object>> runs = runs(runsValue);
        if (grid.isEmpty() && runs.isEmpty()) {
            throw new IllegalArgumentException("a sweep needs a non-empty 'grid' (key -> list of values) or 'runs' (list of overrides)");
        }
        List<Map<String, Object>> points = product(grid);
        List<Map<String, Object>> overrideSets = runs.isEmpty() ? List.of(Map.of()) : runs;
        List<Member> members = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        for (Map<String, Object> run : overrideSets) {
            for (Map<String, Object> point : points) {
                Map<String, Object> overrides = new LinkedHashMap<>(run);
                overrides.putAll(point);
                Map<String, Object> values = new LinkedHashMap<>(base);
                values.putAll(overrides);
                RunConfig cfg;
                try {
                    cfg = RunConfig.fromMap(values).validate();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("run " + overrides + ": " + e.getMessage(), e);
                }
                String id = cfg.resolvedRunId();
                if (!ids.add(id)) {
                    throw new IllegalArgumentException("runs " + overrides + " and an earlier one are the same run (" + id
                            + "); every member must differ in a setting that defines the trajectory");
                }
                members.add(new Member(id, overrides, cfg));
            }
        }
        String id = idValue == null ? derivedId(ids) : idValue.toString();
        if (!RunId.isValid(id)) {
            throw new IllegalArgumentException("invalid sweep_id '" + id + "': use 1-128 letters, digits, '.', '_' or '-'");
        }
        return new SweepSpec(id, base, grid, runs, List.copyOf(members));
    }

    private static Map<String, List<Object>> grid(Object value) {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        if (value == null) return grid;
        if (!(value instanceof Map<?, ?> m)) throw new IllegalArgumentException("'grid' must be an object: key -> list of values");
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = e.getKey().toString();
            if (key.equals("run_id")) throw new IllegalArgumentException("run_id cannot be a grid key");
            if (!(e.getValue() instanceof List<?> l) || l.isEmpty()) {
                throw new IllegalArgumentException("grid key '" + key + "' must map to a non-empty list of values");
            }
            grid.put(key, new ArrayList<>(l));
        }
        return grid;
    }

    private static List<Map<String, Object>> runs(Object value) {
        List<Map<String, Object>> runs = new ArrayList<>();
        if (value == null) return runs;
        if (!(value instanceof List<?> l)) throw new IllegalArgumentException("'runs' must be a list of objects (overrides)");
        for (Object o : l) {
            if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("every entry of 'runs' must be an object, got " + o);
            Map<String, Object> run = new LinkedHashMap<>();
            m.forEach((k, v) -> run.put(k.toString(), v));
            if (run.containsKey("run_id")) throw new IllegalArgumentException("run_id cannot be set in 'runs'");
            runs.add(run);
        }
        return runs;
    }

    /** Every combination of the grid's values, in file order with the last key varying fastest. */
    private static List<Map<String, Object>> product(Map<String, List<Object>> grid) {
        List<Map<String, Object>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<Object>> e : grid.entrySet()) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : out) {
                for (Object v : e.getValue()) {
                    Map<String, Object> m = new LinkedHashMap<>(partial);
                    m.put(e.getKey(), v);
                    next.add(m);
                }
            }
            out = next;
        }
        return out;
    }

    private static String derivedId(Set<String> runIds) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(String.join("\n", runIds).getBytes(StandardCharsets.UTF_8));
            return "sweep-" + HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<String> runIds() {
        return members.stream().map(Member::runId).toList();
    }
}
