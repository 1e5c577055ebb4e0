package org.dynalens.indexer;

import org.junit.jupiter.api.Test;

import java.text.ParseException;

import static org.junit.jupiter.api.Assertions.*;

class ScientificNumberFormatTest {

    private final ScientificNumberFormat format = ScientificNumberFormat.INSTANCE;

    @Test
    void parsesDecimalsAndScientificNotationWhole() throws ParseException {
        assertEquals(1e-3, format.parse("1e-3").doubleValue());
        assertEquals(2.5e4, format.parse("2.5E+4").doubleValue());
        assertEquals(113.0, format.parse("113").doubleValue());
        assertEquals(-0.25, format.parse("-0.25").doubleValue());
        assertEquals(Double.POSITIVE_INFINITY, format.parse("Infinity").doubleValue());
        assertTrue(Double.isNaN(format.parse("NaN").doubleValue()));
    }

    @Test
    void rejectsAnythingThatIsNotAWholeNumber() {
        for (String bad : new String[] {"", "1e", "abc", "1e-3x", "1d", "1,5", "1e*"}) {
            assertThrows(ParseException.class, () -> format.parse(bad), bad);
        }
    }
}
