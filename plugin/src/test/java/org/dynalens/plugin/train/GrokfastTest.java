package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Djl;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The Grokfast-EMA filter (Lee et al. 2024, Algorithm 2) on gradient sequences worked out by hand. */
class GrokfastTest {

    @Test
    void filtersAKnownGradientSequence() {
        try (NDManager m = Djl.newManager()) {
            Grokfast f = new Grokfast(0.5, 2.0);
            // h starts as the first gradient: h1 = g1, out = g1 + 2 h1
            // h2 = 0.5 h1 + 0.5 g2, h3 = 0.5 h2 + 0.5 g3
            float[][] g = {{1, -4}, {2, 0}, {3, 4}};
            float[][] expected = {{3, -12}, {2 + 2 * 1.5f, 0 + 2 * -2f}, {3 + 2 * 2.25f, 4 + 2 * 1f}};
            for (int t = 0; t < g.length; t++) {
                NDArray grad = m.create(g[t], new Shape(2));
                f.filter("w", grad, m);
                assertArrayEquals(expected[t], grad.toFloatArray(), 1e-6f, "step " + t);
            }
        }
    }

    @Test
    void lambdaZeroLeavesGradientsUnchangedAndAlphaZeroDoublesThem() {
        try (NDManager m = Djl.newManager()) {
            Grokfast off = new Grokfast(0.98, 0.0);
            Grokfast instant = new Grokfast(0.0, 1.0); // h = g, so g + h = 2 g
            for (float[] g : new float[][] {{1, 2}, {-3, 5}}) {
                NDArray a = m.create(g, new Shape(2));
                off.filter("w", a, m);
                assertArrayEquals(g, a.toFloatArray());
                NDArray b = m.create(g, new Shape(2));
                instant.filter("w", b, m);
                assertArrayEquals(new float[] {2 * g[0], 2 * g[1]}, b.toFloatArray());
            }
        }
    }

    @Test
    void savedStateContinuesTheSameSequence() {
        try (NDManager m = Djl.newManager()) {
            Grokfast straight = new Grokfast(0.9, 2.0);
            float[][] g = {{1, 2, 3}, {0.5f, -1, 2}, {4, 4, -4}};
            NDArray param = m.create(new float[3], new Shape(3));
            straight.filter("w", m.create(g[0], new Shape(3)), m);
            Map<String, Tensor> saved = straight.state();
            assertEquals(Map.of("grokfast_ema/w", Tensor.of(g[0], 3)), saved);

            Grokfast restored = new Grokfast(0.9, 2.0);
            restored.load(saved, Map.of("w", param), m);
            for (int t = 1; t < g.length; t++) {
                NDArray a = m.create(g[t], new Shape(3));
                NDArray b = m.create(g[t], new Shape(3));
                straight.filter("w", a, m);
                restored.filter("w", b, m);
                assertArrayEquals(a.toFloatArray(), b.toFloatArray(), "step " + t + " bitwise");
            }
        }
    }

    @Test
    void configKeysAreOptionalAndOneSwitchesTheFilterOn() {
        RunConfig plain = RunConfig.fromMap(Map.of("p", 23));
        assertFalse(plain.grokfast());
        assertFalse(plain.toMap().containsKey("grokfast_alpha"));
        RunConfig on = RunConfig.fromMap(Map.of("p", 23, "grokfast_alpha", 0.9)).validate();
        assertTrue(on.grokfast());
        assertEquals(RunConfig.GROKFAST_LAMBDA, on.grokfastLambda());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunConfig.fromMap(Map.of("p", 23, "grokfast_alpha", 1.5)).validate());
        assertTrue(e.getMessage().contains("grokfast_alpha"), e.getMessage());
    }
}
