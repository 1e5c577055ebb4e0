package org.dynalens.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SliceSpecTest {

    private static final int[] DIMS = {4, 10, 6};

    @Test
    void emptyMeansAll() {
        SliceSpec s = SliceSpec.parse(null, DIMS);
        assertArrayEquals(new long[3], s.offset());
        assertArrayEquals(DIMS, s.shape());
        assertEquals(240, s.size());
        assertArrayEquals(DIMS, SliceSpec.parse(" ", DIMS).shape());
    }

    @Test
    void rangesIndicesAndDefaults() {
        SliceSpec s = SliceSpec.parse("1:3, :5, 2", DIMS);
        assertArrayEquals(new long[] {1, 0, 2}, s.offset());
        assertArrayEquals(new int[] {2, 5, 1}, s.shape());

        s = SliceSpec.parse("-2:", DIMS); // trailing dimensions default to ':'
        assertArrayEquals(new long[] {2, 0, 0}, s.offset());
        assertArrayEquals(new int[] {2, 10, 6}, s.shape());

        s = SliceSpec.parse(":,-3:-1", DIMS);
        assertArrayEquals(new long[] {0, 7, 0}, s.offset());
        assertArrayEquals(new int[] {4, 2, 6}, s.shape());
    }

    @Test
    void outOfRangeEndsAreClampedLikePython() {
        SliceSpec s = SliceSpec.parse("-100:100", DIMS);
        assertArrayEquals(new long[] {0, 0, 0}, s.offset());
        assertArrayEquals(DIMS, s.shape());
    }

    @Test
    void badSpecs() {
        for (String bad : new String[] {"x", "1:2:1", "0:0", "3:1", "4", "-5", "1,2,3,4", ",", "1.0:2", "::"}) {
            ApiError e = assertThrows(ApiError.class, () -> SliceSpec.parse(bad, DIMS), bad);
            assertEquals(400, e.status());
        }
        assertThrows(ApiError.class, () -> SliceSpec.parse("0", new int[0]), "a scalar has no dimensions to slice");
    }
}
