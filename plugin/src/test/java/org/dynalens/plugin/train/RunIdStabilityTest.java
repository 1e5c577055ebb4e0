package org.dynalens.plugin.train;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Run ids of existing configs must never change when new optional settings are added (Grokfast, branching,
 * lottery tickets): a changed id would make {@code train} start afresh instead of resuming, and break links.
 * The expected ids were computed by the code before those settings existed.
 */
class RunIdStabilityTest {

    @Test
    void idsOfConfigsWithoutTheNewSettingsAreUnchanged() {
        assertEquals("mod-add-p113-s0-09a7978d", RunConfig.defaults().resolvedRunId());
        assertEquals("mod-add-p23-s3-3f748487", RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.5, "seed", 3)).resolvedRunId());
        assertEquals("repeated-tokens-s0-ba0acaea", RunConfig.fromMap(Map.of("task", "repeated-tokens")).resolvedRunId());
    }
}
