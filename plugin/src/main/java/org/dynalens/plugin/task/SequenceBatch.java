package org.dynalens.plugin.task;

/**
 * One batch of a {@link SequenceTask}, row-major [size, contextLength] arrays.
 *
 * @param tokens  the input tokens
 * @param targets the token to predict at each position (meaningless where {@code counted} is false)
 * @param counted whether the loss at each position counts
 */
public record SequenceBatch(int size, int contextLength, int[] tokens, int[] targets, boolean[] counted) {

    public SequenceBatch {
        int n = size * contextLength;
        if (tokens.length != n || targets.length != n || counted.length != n) {
            throw new IllegalArgumentException("tokens, targets and counted must all be [" + size + ", " + contextLength + "]");
        }
    }

    /** A batch to fill: every array zero / false. */
    public static SequenceBatch empty(int size, int contextLength) {
        int n = size * contextLength;
        return new SequenceBatch(size, contextLength, new int[n], new int[n], new boolean[n]);
    }

    /** Number of positions whose loss counts. */
    public int countedPositions() {
        int c = 0;
        for (boolean b : counted) if (b) c++;
        return c;
    }

    /** Marks position {@code i} of row {@code row} as counted, with {@code target} to predict. */
    public void count(int row, int i, int target) {
        targets[row * contextLength + i] = target;
        counted[row * contextLength + i] = true;
    }

    /** Every position i &lt; n - 1 predicts the next token of its row and counts. */
    public void countAllNextTokens() {
        for (int r = 0; r < size; r++) {
            for (int i = 0; i + 1 < contextLength; i++) count(r, i, tokens[r * contextLength + i + 1]);
        }
    }
}
