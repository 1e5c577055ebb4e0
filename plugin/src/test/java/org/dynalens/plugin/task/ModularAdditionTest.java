package org.dynalens.plugin.task;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ModularAdditionTest {

    @Test
    void everyPairOnceWithEqualsTokenAndSumLabel() {
        Task t = Tasks.create("mod-add", Map.of("p", 113));
        assertEquals(114, t.inputVocab());
        assertEquals(113, t.outputVocab());
        Examples all = t.allExamples();
        assertEquals(113 * 113, all.size());
        for (int i = 0; i < all.size(); i++) {
            int a = all.tokens()[3 * i], b = all.tokens()[3 * i + 1];
            assertEquals(113, all.tokens()[3 * i + 2]);
            assertEquals((a + b) % 113, all.labels()[i]);
        }
    }

    @Test
    void splitIsSeededDisjointAndOfTheRightSize() {
        Examples all = Tasks.create("mod-add", Map.of("p", 113)).allExamples();
        Examples.Split s1 = all.split(0.3, 0);
        Examples.Split s2 = all.split(0.3, 0);
        Examples.Split s3 = all.split(0.3, 1);
        assertEquals(3830, s1.train().size()); // floor(0.3 * 12769), as in Nanda et al.
        assertEquals(8939, s1.test().size());
        assertArrayEquals(s1.train().tokens(), s2.train().tokens());
        assertFalse(Arrays.equals(s1.train().tokens(), s3.train().tokens()));
        Set<String> train = new HashSet<>();
        for (int i = 0; i < s1.train().size(); i++) train.add(pair(s1.train(), i));
        for (int i = 0; i < s1.test().size(); i++) assertFalse(train.contains(pair(s1.test(), i)));
    }

    private static String pair(Examples e, int i) {
        return e.tokens()[3 * i] + "," + e.tokens()[3 * i + 1];
    }

    @Test
    void badSettingsAreRejectedWithTheirName() {
        IllegalArgumentException notPrime = assertThrows(IllegalArgumentException.class,
                () -> Tasks.create("mod-add", Map.of("p", 100)));
        assertTrue(notPrime.getMessage().contains("p must be a prime"), notPrime.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Tasks.create("mod-nope", Map.of()));
        assertTrue(unknown.getMessage().contains("unknown task 'mod-nope'"));
        assertTrue(unknown.getMessage().contains("mod-add"));
    }
}
