package org.dynalens.plugin.task;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The sequence tasks make the data their documentation describes, reproducibly from (seed, step). */
class InductionTasksTest {

    @Test
    void batchesArePureFunctionsOfSeedAndStep() {
        for (String name : Tasks.sequenceTasks().keySet()) {
            SequenceTask t = Tasks.createSequence(name, Map.of());
            assertArrayEquals(t.batch(1, 5, 4).tokens(), t.batch(1, 5, 4).tokens(), name);
            assertFalse(java.util.Arrays.equals(t.batch(1, 5, 4).tokens(), t.batch(1, 6, 4).tokens()), name);
            for (int tok : t.batch(1, 5, 4).tokens()) assertTrue(tok >= 0 && tok < t.vocab(), name);
        }
    }

    @Test
    void repeatedTokensRepeatWithTheirPeriodAndCountEveryNextToken() {
        RepeatedTokens t = new RepeatedTokens(50, 16, 4);
        SequenceBatch b = t.batch(0, 0, 20);
        for (int r = 0; r < 20; r++) {
            for (int i = 8; i < 16; i++) { // from n_ctx/2 on every token repeats one L <= 8 back
                boolean repeats = false;
                for (int len = 4; len <= 8; len++) repeats |= b.tokens()[r * 16 + i] == b.tokens()[r * 16 + i - len];
                assertTrue(repeats);
            }
            for (int i = 0; i < 15; i++) {
                assertTrue(b.counted()[r * 16 + i]);
                assertEquals(b.tokens()[r * 16 + i + 1], b.targets()[r * 16 + i]);
            }
            assertFalse(b.counted()[r * 16 + 15]);
        }
    }

    @Test
    void digitAdditionWritesTheSumDigitByDigit() {
        MultiDigitAddition t = new MultiDigitAddition(5);
        SequenceBatch b = t.batch(3, 0, 50);
        int n = t.contextLength();
        for (int r = 0; r < 50; r++) {
            long a = 0, c = 0, sum = 0;
            for (int i = 0; i < 5; i++) a = 10 * a + b.tokens()[r * n + i];
            for (int i = 6; i < 11; i++) c = 10 * c + b.tokens()[r * n + i];
            for (int i = 11; i < 17; i++) sum = 10 * sum + b.targets()[r * n + i];
            assertEquals(MultiDigitAddition.PLUS, b.tokens()[r * n + 5]);
            assertEquals(MultiDigitAddition.EQUALS, b.tokens()[r * n + 11]);
            assertEquals(a + c, sum);
            int row = r;
            assertEquals(6, java.util.stream.IntStream.range(0, n).filter(i -> b.counted()[row * n + i]).count());
        }
        assertEquals(6, t.lossGroups().size());
    }

    @Test
    void sparseParityIsTheXorOfTheSecretBits() {
        SparseParity t = new SparseParity(10, 3);
        int[] secret = t.secretBits(4);
        assertEquals(3, secret.length);
        SequenceBatch b = t.batch(4, 9, 30);
        for (int r = 0; r < 30; r++) {
            int x = 0;
            for (int i : secret) x ^= b.tokens()[r * 11 + i];
            assertEquals(x, b.targets()[r * 11 + 10]);
            int row = r;
            assertEquals(1, java.util.stream.IntStream.range(0, 11).filter(i -> b.counted()[row * 11 + i]).count());
        }
    }

    @Test
    void dirichletDrawsHaveTheRightMean() {
        SplittableRandom rng = new SplittableRandom(1);
        double[] row = new double[3], mean = new double[3];
        int draws = 20000;
        for (int i = 0; i < draws; i++) {
            MarkovChainIcl.dirichlet(rng, 0.5, row);
            assertEquals(1.0, row[0] + row[1] + row[2], 1e-9);
            for (int k = 0; k < 3; k++) mean[k] += row[k] / draws;
        }
        for (double m : mean) assertEquals(1.0 / 3, m, 0.01);
        double g = 0; // Gamma(2.5, 1) has mean 2.5
        for (int i = 0; i < draws; i++) g += MarkovChainIcl.gamma(rng, 2.5) / draws;
        assertEquals(2.5, g, 0.05);
    }
}
