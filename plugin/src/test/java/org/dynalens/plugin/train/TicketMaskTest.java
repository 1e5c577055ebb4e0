package org.dynalens.plugin.train;

import org.dynalens.archive.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Global magnitude pruning of a lottery ticket, and its random control, on tensors whose answer is known. */
class TicketMaskTest {

    private static Map<String, Tensor> weights() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("b.W", Tensor.of(new float[] {0.1f, -5, 0.3f, 2}, 2, 2));   // |w|: .1 5 .3 2
        w.put("a.W", Tensor.of(new float[] {-4, 0.2f, 1, -0.05f, 3, 0.6f}, 3, 2)); // 4 .2 1 .05 3 .6
        w.put("a.b", Tensor.of(new float[] {100, -100}, 2));             // a bias: never pruned
        return w;
    }

    @Test
    void keepsExactlyTheLargestMagnitudesOverAllMatrices() {
        TicketMask m = TicketMask.magnitude(weights(), 0.4); // 10 prunable weights, keep 4: 5, 4, 3, 2
        assertEquals(10, m.prunableCount());
        assertEquals(4, m.keptCount());
        assertArrayEquals(new float[] {0, 1, 0, 1}, m.of("b.W"));
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0}, m.of("a.W"));
        assertNull(m.of("a.b"), "biases are not pruned");
    }

    @Test
    void countIsRoundedAndTiesGoToTheEarlierWeight() {
        Map<String, Tensor> w = Map.of("x.W", Tensor.of(new float[] {1, -1, 1, 1, 0.5f, 2}, 2, 3));
        TicketMask m = TicketMask.magnitude(w, 0.5); // keep 3: the 2, then the first two of the four 1s
        assertArrayEquals(new float[] {1, 1, 0, 0, 0, 1}, m.of("x.W"));
        assertEquals(6, TicketMask.magnitude(w, 1.0).keptCount());
        assertEquals(1, TicketMask.magnitude(w, 0.1).keptCount(), "round(0.6) = 1");
        assertThrows(IllegalArgumentException.class, () -> TicketMask.magnitude(w, 0));
        assertThrows(IllegalArgumentException.class, () -> TicketMask.magnitude(w, 1.5));
    }

    @Test
    void rewindAppliesTheFinalWeightsMaskToEarlierWeights() {
        // mask from the "final" weights, applied to the "step k" weights: positions follow the final magnitudes
        TicketMask m = TicketMask.magnitude(weights(), 0.4);
        Map<String, Tensor> early = new LinkedHashMap<>();
        early.put("b.W", Tensor.of(new float[] {9, 8, 7, 6}, 2, 2));
        early.put("a.W", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
        early.put("a.b", Tensor.of(new float[] {7, 7}, 2));
        Map<String, Tensor> rewound = m.applyTo(early);
        assertArrayEquals(new float[] {0, 8, 0, 6}, rewound.get("b.W").floats());
        assertArrayEquals(new float[] {1, 0, 0, 0, 5, 0}, rewound.get("a.W").floats());
        assertArrayEquals(new float[] {7, 7}, rewound.get("a.b").floats());
    }

    @Test
    void randomMaskKeepsTheSameCountUniformlyAndOnlyPrunesMatrices() {
        TicketMask m = TicketMask.random(weights(), 0.4, 7);
        assertEquals(10, m.prunableCount());
        assertEquals(4, m.keptCount(), "as many as the magnitude mask keeps");
        assertNull(m.of("a.b"), "biases are not pruned");
        assertArrayEquals(m.of("a.W"), TicketMask.random(weights(), 0.4, 7).of("a.W"), "seeded: deterministic");

        // uniform: over many seeds each of the 10 positions is kept with probability 0.4
        int seeds = 4000;
        int[] keptAt = new int[10];
        boolean differs = false;
        for (int s = 0; s < seeds; s++) {
            TicketMask r = TicketMask.random(weights(), 0.4, s);
            float[] a = r.of("a.W"), b = r.of("b.W");
            for (int i = 0; i < 6; i++) keptAt[i] += (int) a[i];
            for (int i = 0; i < 4; i++) keptAt[6 + i] += (int) b[i];
            differs |= !java.util.Arrays.equals(a, m.of("a.W"));
        }
        assertTrue(differs, "other seeds give other masks");
        for (int k : keptAt) {
            // binomial(4000, 0.4): sd 31; 5 sd either side
            assertTrue(Math.abs(k - 0.4 * seeds) < 5 * Math.sqrt(seeds * 0.4 * 0.6), "kept " + k + " of " + seeds);
        }
    }

    @Test
    void randomMaskOfALargeMatrixOverlapsTheMagnitudeMaskByChanceOnly() {
        float[] w = new float[200 * 100];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextGaussian();
        Map<String, Tensor> weights = Map.of("x.W", Tensor.of(w, 200, 100));
        float[] magnitude = TicketMask.magnitude(weights, 0.2).of("x.W");
        float[] random = TicketMask.random(weights, 0.2, 3).of("x.W");
        int both = 0;
        for (int i = 0; i < w.length; i++) both += (int) (magnitude[i] * random[i]);
        // expected overlap 0.2 * 4000 = 800 kept weights (hypergeometric, sd ~25)
        assertEquals(800, both, 125, "overlap of the two masks");
    }
}
