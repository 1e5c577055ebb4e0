package org.dynalens.sweep;

import org.dynalens.plugin.train.RunConfig;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SweepSpecTest {

    private static Map<String, Object> file(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void gridIsACartesianProductInFileOrderLastKeyFastestAndRunsMultiplyIt() {
        Map<String, Object> grid = new LinkedHashMap<>();
        grid.put("seed", List.of(0, 1));
        grid.put("weight_decay", List.of(0.5, 1.0, 2.0));
        SweepSpec s = SweepSpec.of(file("p", 13, "steps", 10, "grid", grid,
                "runs", List.of(Map.of("train_fraction", 0.3), Map.of("train_fraction", 0.6))));
        assertEquals(12, s.members().size());
        SweepSpec.Member second = s.members().get(1);
        assertEquals(Map.of("train_fraction", 0.3, "seed", 0, "weight_decay", 1.0), second.overrides());
        assertEquals(0.6, s.members().get(6).config().trainFraction());
        assertEquals(1, s.members().get(3).config().seed());
        RunConfig same = RunConfig.fromMap(Map.of("p", 13, "steps", 10, "train_fraction", 0.3, "seed", 0, "weight_decay", 1.0));
        assertEquals(same.resolvedRunId(), second.runId(), "the id `train` derives from the same config");
        assertEquals(s.id(), SweepSpec.of(file("p", 13, "steps", 10, "grid", grid,
                "runs", List.of(Map.of("train_fraction", 0.3), Map.of("train_fraction", 0.6)))).id(), "deterministic id");
        assertTrue(s.id().startsWith("sweep-"));
    }

    @Test
    void stepsAreNotPartOfARunsIdentitySoASweepCanBeExtended() {
        SweepSpec short_ = SweepSpec.of(file("steps", 100, "grid", Map.of("seed", List.of(1, 2))));
        SweepSpec long_ = SweepSpec.of(file("steps", 1000, "grid", Map.of("seed", List.of(1, 2))));
        assertEquals(short_.runIds(), long_.runIds());
        assertEquals(short_.id(), long_.id());
    }

    @Test
    void badFilesNameTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SweepSpec.of(file("p", 13))).getMessage().contains("grid"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SweepSpec.of(file("grid", Map.of("sed", List.of(1))))).getMessage().contains("sed"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SweepSpec.of(file("grid", Map.of("lr", List.of(0))))).getMessage().contains("lr"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SweepSpec.of(file("run_id", "x", "grid", Map.of("seed", List.of(1))))).getMessage().contains("run_id"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SweepSpec.of(file("grid", Map.of("steps", List.of(10, 20))))).getMessage().contains("same run"));
    }
}
