package org.dynalens.plugin.tribuo;

import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.ModularArithmetic;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;

/**
 * How a modular-arithmetic example looks to Tribuo, and back.
 *
 * <p>The model input {@code [a, b, =]} becomes a Tribuo {@link Example} with two one-hot features named
 * {@code a@<a>} and {@code b@<b>} (value 1.0), e.g. {@code a@3, b@5}; the constant {@code =} token is implied.
 * The answer {@code op(a, b) mod p} is the {@link Label}, written as the decimal token ({@code "8"}). The names follow
 * Tribuo's own convention for categorical columns ({@code IdentityProcessor}: {@code column@value}), so a CSV with
 * columns {@code a, b, answer} read by a {@code RowProcessor} with identity processors for {@code a} and {@code b}
 * produces the same features. One-hot names are used instead of numeric values because Tribuo treats a feature with
 * value 0 as absent, and token 0 must not vanish.
 */
public final class TokenEncoding {

    /** Feature name prefix of the first operand's token. */
    public static final String FIRST = "a";
    /** Feature name prefix of the second operand's token. */
    public static final String SECOND = "b";
    /** Tribuo's separator between a column name and its categorical value. */
    public static final String JOINER = "@";

    private TokenEncoding() {
    }

    /** The feature name of token {@code token} at operand {@code operand} ({@link #FIRST} or {@link #SECOND}). */
    public static String featureName(String operand, int token) {
        return operand + JOINER + token;
    }

    /** The Tribuo example of row {@code i} of {@code examples} (tokens {@code [a, b, =]}). */
    public static Example<Label> toExample(Examples examples, int i) {
        int a = examples.tokens()[i * examples.contextLength()];
        int b = examples.tokens()[i * examples.contextLength() + 1];
        String[] names = {featureName(FIRST, a), featureName(SECOND, b)};
        return new ArrayExample<>(new Label(Integer.toString(examples.labels()[i])), names, new double[] {1, 1});
    }

    /**
     * The tokens {@code [a, b, =]} of a Tribuo example for a task modulo p, written into {@code out} at
     * {@code offset}. Throws IllegalArgumentException naming the example and the problem when it does not have
     * exactly one valid {@code a@k} and one valid {@code b@k} feature with k in [0, p).
     */
    static void toTokens(Example<?> example, int index, ModularArithmetic task, int[] out, int offset) {
        int a = -1;
        int b = -1;
        for (Feature f : example) {
            String name = f.getName();
            int at = name.indexOf(JOINER);
            String operand = at < 0 ? name : name.substring(0, at);
            if (!operand.equals(FIRST) && !operand.equals(SECOND)) {
                throw new IllegalArgumentException("example " + index + " has feature '" + name + "'; expected only "
                        + FIRST + JOINER + "k and " + SECOND + JOINER + "k with k in [0, " + task.p() + ")");
            }
            int token = parseToken(name.substring(at + 1), task.p(), "example " + index + " feature '" + name + "'");
            if (operand.equals(FIRST)) {
                if (a >= 0) throw new IllegalArgumentException("example " + index + " has two '" + FIRST + "' features");
                a = token;
            } else {
                if (b >= 0) throw new IllegalArgumentException("example " + index + " has two '" + SECOND + "' features");
                b = token;
            }
        }
        if (a < 0 || b < 0) {
            throw new IllegalArgumentException("example " + index + " lacks a '" + (a < 0 ? FIRST : SECOND) + JOINER
                    + "k' feature (features: " + featureNames(example) + ")");
        }
        out[offset] = a;
        out[offset + 1] = b;
        out[offset + 2] = task.equalsToken();
    }

    /** The token a label stands for, in [0, p). */
    static int labelToken(Label label, int index, int p) {
        return parseToken(label.getLabel(), p, "example " + index + " label '" + label.getLabel() + "'");
    }

    private static int parseToken(String s, int p, String what) {
        int token;
        try {
            token = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not a token number in [0, " + p + ")");
        }
        if (token < 0 || token >= p) throw new IllegalArgumentException(what + " is outside [0, " + p + ")");
        return token;
    }

    private static String featureNames(Example<?> example) {
        StringBuilder s = new StringBuilder();
        for (Feature f : example) s.append(s.length() == 0 ? "" : ", ").append(f.getName());
        return s.length() == 0 ? "none" : s.toString();
    }
}
