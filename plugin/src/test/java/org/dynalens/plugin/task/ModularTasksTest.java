package org.dynalens.plugin.task;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** mod-sub, mod-mul, mod-div and mod-sq-add (Power et al. 2022), on the {@link ModularArithmetic} format. */
class ModularTasksTest {

    /** The label of the pair (a, b), or -1 when the pair is not part of the task. */
    private static int label(String task, int p, int a, int b) {
        Examples all = Tasks.create(task, Map.of("p", p)).allExamples();
        for (int i = 0; i < all.size(); i++) {
            if (all.tokens()[3 * i] == a && all.tokens()[3 * i + 1] == b) return all.labels()[i];
        }
        return -1;
    }

    @Test
    void handCheckedLabels() {
        assertEquals(5, label("mod-sub", 7, 3, 5));    // 3 - 5 = -2 = 5 (mod 7)
        assertEquals(2, label("mod-sub", 7, 5, 3));
        assertEquals(1, label("mod-mul", 7, 3, 5));    // 15 = 2*7 + 1
        assertEquals(0, label("mod-mul", 7, 0, 5));
        assertEquals(2, label("mod-div", 7, 3, 5));    // 5 * 2 = 10 = 3 (mod 7)
        assertEquals(3, label("mod-div", 7, 3, 1));
        assertEquals(0, label("mod-div", 7, 0, 4));
        assertEquals(-1, label("mod-div", 7, 3, 0));   // no division by zero
        assertEquals(6, label("mod-sq-add", 7, 3, 5)); // 9 + 25 = 34 = 4*7 + 6
        assertEquals(5, label("mod-sq-add", 113, 112, 2)); // (-1)^2 + 2^2
    }

    @Test
    void everyLabelMatchesTheOperation() {
        int p = 23;
        for (String name : List.of("mod-sub", "mod-mul", "mod-div", "mod-sq-add")) {
            Task t = Tasks.create(name, Map.of("p", p));
            assertEquals(name, t.name());
            assertEquals(p + 1, t.inputVocab());
            assertEquals(p, t.outputVocab());
            assertEquals(3, t.contextLength());
            Examples all = t.allExamples();
            assertEquals(name.equals("mod-div") ? p * (p - 1) : p * p, all.size(), name + " example count");
            for (int i = 0; i < all.size(); i++) {
                int a = all.tokens()[3 * i], b = all.tokens()[3 * i + 1], c = all.labels()[i];
                assertEquals(p, all.tokens()[3 * i + 2]);
                assertTrue(c >= 0 && c < p);
                switch (name) {
                    case "mod-sub" -> assertEquals(a, (c + b) % p);
                    case "mod-mul" -> assertEquals(a * b % p, c);
                    case "mod-div" -> {
                        assertNotEquals(0, b, "b = 0 is excluded");
                        assertEquals(a, c * b % p, a + " / " + b); // c is the quotient: c * b = a
                    }
                    case "mod-sq-add" -> assertEquals((a * a + b * b) % p, c);
                    default -> fail(name);
                }
            }
        }
    }

    @Test
    void divisionHasPTimesPMinusOneExamplesAndWorksAtTheSmallestPrime() {
        assertEquals(113 * 112, Tasks.create("mod-div", Map.of("p", 113)).allExamples().size());
        Examples two = Tasks.create("mod-div", Map.of("p", 2)).allExamples();
        assertEquals(2, two.size());
        assertArrayEquals(new int[]{0, 1}, two.labels()); // 0 / 1, 1 / 1
    }

    @Test
    void badPIsRejectedNamingIt() {
        for (String name : List.of("mod-sub", "mod-mul", "mod-div", "mod-sq-add")) {
            for (Object bad : List.of(100, 1, 1009, 2.5, "seven")) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Tasks.create(name, Map.of("p", bad)), name + " p=" + bad);
                assertTrue(e.getMessage().startsWith("p must be"), e.getMessage());
            }
            assertEquals(113, ((ModularArithmetic) Tasks.create(name, Map.of())).p(), "default p");
        }
    }
}
