package org.dynalens.plugin.task;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Composition in D_n (Chughtai et al. 2023): the documented numbering and product, the group axioms, settings. */
class DihedralTest {

    private static DihedralGroup d(int n) {
        return (DihedralGroup) Tasks.create("dihedral", Map.of("p", n));
    }

    @Test
    void handCheckedProductsInD4() {
        DihedralGroup d4 = d(4);
        assertEquals(8, d4.order());
        assertEquals(9, d4.inputVocab());
        assertEquals(8, d4.outputVocab());
        int r = d4.element(false, 1), s = d4.element(true, 0);
        assertEquals(1, r);
        assertEquals(4, s);
        // r * s: vertex i -> s -> -i -> r -> 1 - i = -(i + 3) mod 4, i.e. s r^3 (element 7)
        assertEquals(7, d4.compose(r, s));
        assertEquals(5, d4.compose(s, r));               // s * r = s r^1
        assertEquals(0, d4.compose(s, s));               // s^2 = 1
        assertEquals(1, d4.compose(3, 2));               // r^3 r^2 = r^5 = r^1
        assertEquals(d4.element(false, 2), d4.compose(5, 7)); // s r * s r^3 = r^(3 - 1)
        assertEquals(7, d4.allExamples().labels()[r * 8 + s]);
    }

    /** The table equals composing the maps on the n-gon's vertices: r(i) = i + 1, s(i) = -i. */
    @Test
    void productIsCompositionOfVertexMaps() {
        for (int n = 3; n <= 12; n++) {
            DihedralGroup g = d(n);
            for (int x = 0; x < g.order(); x++) {
                for (int y = 0; y < g.order(); y++) {
                    for (int i = 0; i < n; i++) {
                        assertEquals(apply(g, x, apply(g, y, i)), apply(g, g.compose(x, y), i),
                                n + ": " + x + " * " + y);
                    }
                }
            }
        }
    }

    /** s^f r^k applied to vertex i: rotate by k, then reflect if f. */
    private static int apply(DihedralGroup g, int element, int i) {
        int rotated = Math.floorMod(i + g.rotation(element), g.n());
        return g.isReflection(element) ? Math.floorMod(-rotated, g.n()) : rotated;
    }

    @Test
    void isANonAbelianGroupWithEveryPairAsAnExample() {
        for (int n = 3; n <= 10; n++) {
            DihedralGroup g = d(n);
            GroupAxioms.assertGroup(g, 0, 0); // every triple
            GroupAxioms.assertExamplesMatchTable(g);
            assertNotEquals(g.compose(1, n), g.compose(n, 1), "r s != s r in D_" + n);
        }
        DihedralGroup d59 = d(59); // the group of Chughtai et al. 2023
        GroupAxioms.assertGroup(d59, 0, 100_000);
        assertEquals(118 * 118, d59.allExamples().size());
    }

    @Test
    void nComesFromPAndBadValuesAreRejectedNamingP() {
        assertEquals(59, ((DihedralGroup) Tasks.create("dihedral", Map.of())).n(), "default D_59");
        assertEquals(226, d(113).order(), "RunConfig's default p = 113 gives D_113");
        assertEquals(12, d(6).order(), "n need not be prime");
        for (Object bad : List.of(2, 0, -5, 501, 2.5, "seven")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Tasks.create("dihedral", Map.of("p", bad)), "p=" + bad);
            assertTrue(e.getMessage().startsWith("p "), e.getMessage());
        }
    }
}
