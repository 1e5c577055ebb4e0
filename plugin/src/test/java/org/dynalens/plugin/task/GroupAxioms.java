package org.dynalens.plugin.task;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Checks that a composition task's multiplication table is a group (identity, inverses, associativity). */
final class GroupAxioms {

    private GroupAxioms() {
    }

    /** Checks associativity on every triple when {@code sampledTriples} is 0, else on that many seeded random ones. */
    static void assertGroup(FiniteGroupComposition g, int identity, int sampledTriples) {
        int n = g.order();
        for (int x = 0; x < n; x++) {
            assertEquals(x, g.compose(identity, x), "e * " + x);
            assertEquals(x, g.compose(x, identity), x + " * e");
            int inverses = 0;
            for (int y = 0; y < n; y++) {
                if (g.compose(x, y) == identity) {
                    assertEquals(identity, g.compose(y, x), "left and right inverse of " + x + " agree");
                    inverses++;
                }
            }
            assertEquals(1, inverses, "element " + x + " has exactly one inverse");
        }
        if (sampledTriples == 0) {
            for (int x = 0; x < n; x++) {
                for (int y = 0; y < n; y++) {
                    for (int z = 0; z < n; z++) assertAssociative(g, x, y, z);
                }
            }
        } else {
            SplittableRandom rng = new SplittableRandom(7);
            for (int i = 0; i < sampledTriples; i++) {
                assertAssociative(g, rng.nextInt(n), rng.nextInt(n), rng.nextInt(n));
            }
        }
    }

    private static void assertAssociative(FiniteGroupComposition g, int x, int y, int z) {
        if (g.compose(g.compose(x, y), z) != g.compose(x, g.compose(y, z))) {
            fail("(" + x + " * " + y + ") * " + z + " != " + x + " * (" + y + " * " + z + ")");
        }
    }

    /** The table's labels are the composition, and the examples are every ordered pair once in row-major order. */
    static void assertExamplesMatchTable(FiniteGroupComposition g) {
        int n = g.order();
        Examples all = g.allExamples();
        assertEquals(n * n, all.size());
        assertEquals(3, all.contextLength());
        for (int i = 0; i < all.size(); i++) {
            int x = all.tokens()[3 * i], y = all.tokens()[3 * i + 1];
            assertEquals(i / n, x);
            assertEquals(i % n, y);
            assertEquals(n, all.tokens()[3 * i + 2], "= token is the element count");
            assertEquals(g.compose(x, y), all.labels()[i]);
        }
    }
}
