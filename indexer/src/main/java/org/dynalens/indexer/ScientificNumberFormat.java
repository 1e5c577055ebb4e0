package org.dynalens.indexer;

import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;

/**
 * The number format the query parser uses for numeric fields. Java's DecimalFormat stops at the 'e' of
 * {@code 1e-3} and returns 1, silently; this format accepts exactly what {@link Double#parseDouble} accepts
 * (decimals, scientific notation, Infinity, NaN) and rejects anything else as a whole.
 */
final class ScientificNumberFormat extends NumberFormat {

    static final ScientificNumberFormat INSTANCE = new ScientificNumberFormat();

    @Override
    public StringBuffer format(double number, StringBuffer toAppendTo, FieldPosition pos) {
        return toAppendTo.append(number);
    }

    @Override
    public StringBuffer format(long number, StringBuffer toAppendTo, FieldPosition pos) {
        return toAppendTo.append(number);
    }

    @Override
    public Number parse(String source, ParsePosition pos) {
        String text = source.substring(pos.getIndex()).trim();
        try {
            // parseDouble also takes "1d" and "0x1p3"; a query means none of that. NaN finds diverged runs.
            if (text.isEmpty() || !Character.isDigit(text.charAt(text.length() - 1)) && !text.endsWith("Infinity")
                    && !text.equals("NaN")) {
                throw new NumberFormatException(text);
            }
            double value = Double.parseDouble(text);
            pos.setIndex(source.length());
            return value;
        } catch (NumberFormatException e) {
            pos.setErrorIndex(pos.getIndex());
            return null;
        }
    }
}
