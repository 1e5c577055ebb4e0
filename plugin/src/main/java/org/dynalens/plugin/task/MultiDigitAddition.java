package org.dynalens.plugin.task;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * d-digit addition with one loss per answer digit (Nanda et al. 2023, appendix; ANCHORS.md section 1: each digit
 * has its own phase change). A sequence is {@code a_1..a_d + b_1..b_d = c_0 c_1..c_d}, most significant digit first,
 * a and b uniform in [0, 10^d), c = a + b written with d + 1 digits ({@code c_0} is the final carry). Tokens 0-9
 * are digits, 10 is {@code +}, 11 is {@code =}. The model reads {@code a + b =} and the answer so far (teacher
 * forcing) and only the d + 1 answer positions count for the loss: position of {@code =} predicts c_0, the
 * position of c_{i-1} predicts c_i. The last answer digit is a target only, so n_ctx = 3d + 2 (17 for d = 5).
 *
 * <p>Settings: {@code digits} (default 5). Metrics {@code loss_digit_i} are the loss on answer digit c_i
 * ({@code digit_0} the carry into 10^d, {@code digit_d} the units).
 */
public final class MultiDigitAddition implements SequenceTask {

    public static final int PLUS = 10;
    public static final int EQUALS = 11;
    private final int digits;

    public MultiDigitAddition(int digits) {
        if (digits < 1 || digits > 9) throw new IllegalArgumentException("digits must be in [1, 9], got " + digits);
        this.digits = digits;
    }

    @Override
    public String name() {
        return "digit-add";
    }

    @Override
    public int vocab() {
        return 12;
    }

    @Override
    public int contextLength() {
        return 3 * digits + 2;
    }

    /** Position of the {@code =} token, which predicts the first answer digit. */
    private int equalsPosition() {
        return 2 * digits + 1;
    }

    @Override
    public SequenceBatch batch(long seed, long step, int batchSize) {
        var rng = Batches.random(seed, step);
        int n = contextLength();
        long bound = pow10(digits);
        SequenceBatch batch = SequenceBatch.empty(batchSize, n);
        for (int r = 0; r < batchSize; r++) {
            long a = rng.nextLong(bound), b = rng.nextLong(bound);
            int[] row = new int[n + 1]; // the full sequence including the last answer digit
            write(a, digits, row, 0);
            row[digits] = PLUS;
            write(b, digits, row, digits + 1);
            row[equalsPosition()] = EQUALS;
            write(a + b, digits + 1, row, equalsPosition() + 1);
            System.arraycopy(row, 0, batch.tokens(), r * n, n);
            for (int i = equalsPosition(); i < n; i++) batch.count(r, i, row[i + 1]);
        }
        return batch;
    }

    private static void write(long value, int width, int[] out, int at) {
        for (int i = width - 1; i >= 0; i--) {
            out[at + i] = (int) (value % 10);
            value /= 10;
        }
    }

    private static long pow10(int d) {
        long p = 1;
        for (int i = 0; i < d; i++) p *= 10;
        return p;
    }

    /** {@code digit_i}: the position that predicts answer digit c_i. */
    @Override
    public Map<String, int[]> lossGroups() {
        Map<String, int[]> g = new LinkedHashMap<>();
        for (int i = 0; i <= digits; i++) g.put("digit_" + i, new int[] {equalsPosition() + i});
        return g;
    }

    public static final class Factory implements SequenceTaskFactory {
        @Override
        public String name() {
            return "digit-add";
        }

        @Override
        public String description() {
            return "d-digit addition a+b=c, one loss per answer digit (default 5 digits)";
        }

        @Override
        public SequenceTask create(Map<String, Object> settings) {
            return new MultiDigitAddition(Batches.intSetting(settings, "digits", 5, 1, 9));
        }
    }
}
