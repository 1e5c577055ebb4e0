package org.dynalens.cli;

import org.dynalens.plugin.train.RunConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The Grokfast and branching options of {@code dynalens train} become the right config keys. */
class TrainOptionsTest {

    private static RunConfig parse(String... args) {
        return new TrainCommand().parse(args);
    }

    @Test
    void grokfastOptions() {
        RunConfig off = parse("--p", "23");
        assertFalse(off.grokfast());
        assertEquals(RunConfig.fromMap(java.util.Map.of("p", 23)).resolvedRunId(), off.resolvedRunId(), "id unchanged");
        RunConfig on = parse("--p", "23", "--grokfast");
        assertEquals(0.98, on.grokfastAlpha());
        assertEquals(2.0, on.grokfastLambda());
        RunConfig lambda = parse("--p", "23", "--grokfast-lambda", "5");
        assertEquals(0.98, lambda.grokfastAlpha());
        assertEquals(5.0, lambda.grokfastLambda());
        RunConfig both = parse("--p", "23", "--grokfast", "--grokfast-alpha", "0.9");
        assertEquals(0.9, both.grokfastAlpha());
        assertEquals(2.0, both.grokfastLambda());
        assertNotEquals(off.resolvedRunId(), on.resolvedRunId());
    }

    @Test
    void fromOption() {
        RunConfig c = parse("--p", "23", "--from", "some-run@300");
        assertEquals("some-run", c.parentRun());
        assertEquals(300L, c.parentStep());
        assertThrows(IllegalArgumentException.class, () -> parse("--from", "some-run"));
        assertThrows(IllegalArgumentException.class, () -> parse("--from", "some-run@x"));
    }
}
