package org.dynalens.plugin.task;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TaskRegistryTest {

    @Test
    void everyTaskIsRegisteredAndDescribed() {
        Map<String, TaskFactory> all = Tasks.all();
        assertEquals(List.of("dihedral", "mod-add", "mod-div", "mod-mul", "mod-sq-add", "mod-sub", "s5"),
                List.copyOf(all.keySet()));
        all.forEach((name, f) -> {
            assertFalse(f.description().isBlank(), name);
            Task t = f.create(Map.of("p", 23)); // a small p every task accepts
            assertEquals(name, t.name());
            assertEquals(t.outputVocab() + 1, t.inputVocab(), name + ": the = token follows the operands");
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tasks.create("s6", Map.of()));
        assertTrue(e.getMessage().contains("known tasks: code-corpus, digit-add, dihedral, markov-icl, mod-add, mod-div, mod-mul, "
                + "mod-sq-add, mod-sub, repeated-tokens, s5, sparse-parity"), e.getMessage());
    }
}
