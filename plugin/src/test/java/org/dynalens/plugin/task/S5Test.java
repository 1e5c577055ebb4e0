package org.dynalens.plugin.task;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Composition in S5 (Chughtai et al. 2023): numbering, the composition convention, the group axioms. */
class S5Test {

    private final SymmetricGroup s5 = (SymmetricGroup) Tasks.create("s5", Map.of("p", 113));

    @Test
    void shapeAndIgnoredP() {
        assertEquals("s5", s5.name());
        assertEquals(120, s5.order());
        assertEquals(121, s5.inputVocab());
        assertEquals(120, s5.outputVocab());
        assertEquals(120, s5.equalsToken());
        // p is not a setting of s5: any p, or none, gives the same task
        assertArrayEquals(s5.allExamples().labels(), Tasks.create("s5", Map.of()).allExamples().labels());
        assertArrayEquals(s5.allExamples().labels(), Tasks.create("s5", Map.of("p", 4)).allExamples().labels());
        assertTrue(Tasks.all().get("s5").description().contains("ignores p"));
    }

    @Test
    void elementsAreNumberedInLexicographicOrder() {
        assertArrayEquals(new int[]{0, 1, 2, 3, 4}, s5.permutation(0)); // the identity
        assertArrayEquals(new int[]{0, 1, 2, 4, 3}, s5.permutation(1));
        assertArrayEquals(new int[]{1, 0, 2, 3, 4}, s5.permutation(24));
        assertArrayEquals(new int[]{4, 3, 2, 1, 0}, s5.permutation(119));
        assertEquals(33, s5.element(new int[]{1, 2, 3, 4, 0})); // 24*1 + 6*1 + 2*1 + 1*1 (Lehmer code 1,1,1,1)
        for (int k = 1; k < 120; k++) {
            assertTrue(java.util.Arrays.compare(s5.permutation(k - 1), s5.permutation(k)) < 0, "order at " + k);
            assertEquals(k, s5.element(s5.permutation(k)));
        }
        assertThrows(IllegalArgumentException.class, () -> s5.element(new int[]{0, 0, 1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> s5.element(new int[]{}));
    }

    @Test
    void compositionAppliesTheRightFactorFirst() {
        int g = s5.element(new int[]{1, 2, 3, 4, 0}); // the 5-cycle i -> i + 1
        int h = s5.element(new int[]{1, 0, 2, 3, 4}); // the transposition (0 1)
        // (g*h)(i) = g(h(i)): 0 -> h 1 -> g 2, 1 -> 0 -> 1, 2 -> 3, 3 -> 4, 4 -> 0
        assertArrayEquals(new int[]{2, 1, 3, 4, 0}, s5.permutation(s5.compose(g, h)));
        assertEquals(57, s5.compose(g, h)); // 24*2 + 6*1 + 2*1 + 1
        // (h*g)(i) = h(g(i)): 0 -> 1 -> 0, 1 -> 2, 2 -> 3, 3 -> 4, 4 -> 0 -> 1; S5 is not abelian
        assertArrayEquals(new int[]{0, 2, 3, 4, 1}, s5.permutation(s5.compose(h, g)));
        assertEquals(57, s5.allExamples().labels()[g * 120 + h]);
        // the table agrees with composing the permutations directly
        for (int x = 0; x < 120; x++) {
            for (int y = 0; y < 120; y++) {
                int[] px = s5.permutation(x), py = s5.permutation(y), pxy = new int[5];
                for (int i = 0; i < 5; i++) pxy[i] = px[py[i]];
                assertArrayEquals(pxy, s5.permutation(s5.compose(x, y)));
            }
        }
    }

    @Test
    void isAGroupWithEveryPairAsAnExample() {
        GroupAxioms.assertGroup(s5, 0, 200_000); // sampled: 120^3 triples are cheap too, but the sample suffices
        GroupAxioms.assertExamplesMatchTable(s5);
    }
}
