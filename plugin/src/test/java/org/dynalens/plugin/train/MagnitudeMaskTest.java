package org.dynalens.plugin.train;

import org.dynalens.archive.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Global magnitude pruning of a lottery ticket on tensors whose answer is known. */
class MagnitudeMaskTest {

    private static Map<String, Tensor> weights() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("b.W", Tensor.of(new float[] {0.1f, -5, 0.3f, 2}, 2, 2));   // |w|: .1 5 .3 2
        w.put("a.W", Tensor.of(new float[] {-4, 0.2f, 1, -0.05f, 3, 0.6f}, 3, 2)); // 4 .2 1 .05 3 .6
        w.put("a.b", Tensor.of(new float[] {100, -100}, 2));             // a bias: never pruned
        return w;
    }

    @Test
    void keepsExactlyTheLargestMagnitudesOverAllMatrices() {
        MagnitudeMask m = MagnitudeMask.global(weights(), 0.4); // 10 prunable weights, keep 4: 5, 4, 3, 2
        assertEquals(10, m.prunableCount());
        assertEquals(4, m.keptCount());
        assertArrayEquals(new float[] {0, 1, 0, 1}, m.of("b.W"));
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0}, m.of("a.W"));
        assertNull(m.of("a.b"), "biases are not pruned");
    }

    @Test
    void countIsRoundedAndTiesGoToTheEarlierWeight() {
        Map<String, Tensor> w = Map.of("x.W", Tensor.of(new float[] {1, -1, 1, 1, 0.5f, 2}, 2, 3));
        MagnitudeMask m = MagnitudeMask.global(w, 0.5); // keep 3: the 2, then the first two of the four 1s
        assertArrayEquals(new float[] {1, 1, 0, 0, 0, 1}, m.of("x.W"));
        assertEquals(6, MagnitudeMask.global(w, 1.0).keptCount());
        assertEquals(1, MagnitudeMask.global(w, 0.1).keptCount(), "round(0.6) = 1");
        assertThrows(IllegalArgumentException.class, () -> MagnitudeMask.global(w, 0));
        assertThrows(IllegalArgumentException.class, () -> MagnitudeMask.global(w, 1.5));
    }

    @Test
    void rewindAppliesTheFinalWeightsMaskToEarlierWeights() {
        // mask from the "final" weights, applied to the "step k" weights: positions follow the final magnitudes
        MagnitudeMask m = MagnitudeMask.global(weights(), 0.4);
        Map<String, Tensor> early = new LinkedHashMap<>();
        early.put("b.W", Tensor.of(new float[] {9, 8, 7, 6}, 2, 2));
        early.put("a.W", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
        early.put("a.b", Tensor.of(new float[] {7, 7}, 2));
        Map<String, Tensor> rewound = m.applyTo(early);
        assertArrayEquals(new float[] {0, 8, 0, 6}, rewound.get("b.W").floats());
        assertArrayEquals(new float[] {1, 0, 0, 0, 5, 0}, rewound.get("a.W").floats());
        assertArrayEquals(new float[] {7, 7}, rewound.get("a.b").floats());
    }
}
