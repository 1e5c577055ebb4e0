package org.dynalens.plugin.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RunConfigTest {

    @TempDir
    Path tmp;

    @Test
    void defaultsAreNandaEtAlsGrokkingSetup() {
        RunConfig d = RunConfig.defaults().validate();
        assertEquals("mod-add", d.task());
        assertEquals(113, d.p());
        assertEquals(0.3, d.trainFraction());
        assertEquals(1e-3, d.lr());
        assertEquals(1.0, d.weightDecay());
        assertEquals(0.98, d.beta2());
        assertEquals(10, d.warmupSteps());
        assertEquals(226_688, d.model(d.createTask()).parameterCount());
    }

    @Test
    void sameConfigSameIdAndStepsDoNotChangeIt() {
        RunConfig a = RunConfig.fromMap(Map.of("seed", 4));
        assertEquals(a.resolvedRunId(), RunConfig.fromMap(Map.of("seed", 4)).resolvedRunId());
        assertEquals(a.resolvedRunId(), a.withSteps(99_999).resolvedRunId());
        assertNotEquals(a.resolvedRunId(), RunConfig.fromMap(Map.of("seed", 5)).resolvedRunId());
        assertNotEquals(a.resolvedRunId(), RunConfig.fromMap(Map.of("seed", 4, "lr", 2e-3)).resolvedRunId());
        assertTrue(a.resolvedRunId().startsWith("mod-add-p113-s4-"));
    }

    @Test
    void jsonRoundTripsThroughAFile() throws Exception {
        RunConfig a = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.6, "lr", 3e-3));
        Path f = Files.writeString(tmp.resolve("c.json"), a.toJson());
        assertEquals(a, RunConfig.read(f));
        assertTrue(a.toJson().contains("\"train_fraction\" : 0.6"));
    }

    @Test
    void shippedExampleConfigIsTheDefaultGrokkingSetup() {
        RunConfig shipped = RunConfig.read(Path.of("..", "configs", "grokking-p113.json")).validate();
        assertEquals(RunConfig.defaults().identity(), shipped.identity());
        assertEquals(20_000, shipped.steps());
    }

    /**
     * Every run config shipped in configs/ reads and validates (a typo in one would fail only when someone runs it);
     * sweep configs ({@code sweep-*.json}) are the sweep command's.
     */
    @Test
    void everyShippedRunConfigIsValid() throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.list(Path.of("..", "configs"))) {
            List<Path> configs = files.map(Path::toString).filter(f -> f.endsWith(".json") && !f.contains("sweep-"))
                    .sorted().map(Path::of).toList();
            assertTrue(configs.size() >= 5, "configs found: " + configs);
            for (Path f : configs) {
                RunConfig c = RunConfig.read(f).validate();
                assertEquals(c, RunConfig.fromMap(c.toMap()), f + " round-trips");
            }
        }
    }

    @Test
    void badConfigsNameTheField() {
        assertMessage("unknown config field 'learning_rate'", () -> RunConfig.fromMap(Map.of("learning_rate", 1)));
        assertMessage("steps must be >= 0", () -> RunConfig.fromMap(Map.of("steps", -5)).validate());
        assertMessage("lr must be a positive number", () -> RunConfig.fromMap(Map.of("lr", -1e-3)).validate());
        assertMessage("p must be a prime", () -> RunConfig.fromMap(Map.of("p", 100)).validate());
        assertMessage("unknown task 'nope'", () -> RunConfig.fromMap(Map.of("task", "nope")).validate());
        assertMessage("train_fraction must be in (0, 1)", () -> RunConfig.fromMap(Map.of("train_fraction", 1.5)).validate());
        assertMessage("bad config", () -> RunConfig.fromMap(Map.of("steps", "many")));
    }

    @Test
    void ticketMaskKindIsOptionalAndOnlyTheRandomControlChangesTheId() {
        RunConfig ticket = RunConfig.defaults().withParent("parent-run", 0).withTicketKeep(0.2);
        Map<String, Object> named = new java.util.HashMap<>(ticket.toMap());
        named.put("ticket_mask", "magnitude");
        assertEquals(ticket.resolvedRunId(), RunConfig.fromMap(named).validate().resolvedRunId(), "magnitude is the default, stored as absent");
        assertFalse(ticket.toMap().containsKey("ticket_mask"));
        named.put("ticket_mask", "random");
        RunConfig random = RunConfig.fromMap(named).validate();
        assertNotEquals(ticket.resolvedRunId(), random.resolvedRunId());
        assertEquals("random", random.toMap().get("ticket_mask"));
        named.put("ticket_mask", "largest");
        assertMessage("ticket_mask must be \"magnitude\" or \"random\"", () -> RunConfig.fromMap(named).validate());
        assertMessage("ticket_mask needs ticket_keep",
                () -> RunConfig.fromMap(Map.of("ticket_mask", "random", "parent_run", "x", "parent_step", 0)).validate());
    }

    @Test
    void unreadableConfigFileIsAClearError() throws Exception {
        Path f = Files.writeString(tmp.resolve("bad.json"), "{ not json");
        assertMessage("cannot read config", () -> RunConfig.read(f));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(expected), "expected '" + expected + "' in: " + ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"), "one line: " + ex.getMessage());
    }
}
