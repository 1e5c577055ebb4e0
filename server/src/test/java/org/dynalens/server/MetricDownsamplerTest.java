package org.dynalens.server;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricDownsamplerTest {

    @Test
    void keepsEverythingWhenSmallEnough() {
        assertArrayEquals(new int[] {0, 1, 2}, MetricDownsampler.keep(3, Map.of("x", new double[] {1, 2, 3}), 10));
    }

    @Test
    void keepsFirstLastAndEverySpikeWithinTheBudget() {
        int n = 10_000;
        double[] loss = new double[n];
        double[] acc = new double[n];
        for (int i = 0; i < n; i++) {
            loss[i] = 5.0 / (1 + i);
            acc[i] = i < 7000 ? 0.1 : 1.0;
        }
        loss[4321] = 50;          // a spike
        loss[8765] = -1;          // a dip
        acc[5000] = Double.NaN;   // not evaluated
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("loss", loss);
        series.put("acc", acc);
        int[] kept = MetricDownsampler.keep(n, series, 100);
        assertTrue(kept.length <= 100, "at most max_points rows: " + kept.length);
        assertEquals(0, kept[0]);
        assertEquals(n - 1, kept[kept.length - 1]);
        for (int i = 1; i < kept.length; i++) assertTrue(kept[i] > kept[i - 1], "ascending, no duplicates");
        assertTrue(Arrays.stream(kept).anyMatch(i -> i == 4321), "the spike survives");
        assertTrue(Arrays.stream(kept).anyMatch(i -> i == 8765), "the dip survives");
        double[] accKept = MetricDownsampler.select(acc, kept);
        assertTrue(Arrays.stream(accKept).anyMatch(v -> v == 1.0) && Arrays.stream(accKept).anyMatch(v -> v == 0.1));
    }

    @Test
    void smallestBudget() {
        double[] v = new double[1000];
        v[500] = 9;
        int[] kept = MetricDownsampler.keep(1000, Map.of("v", v), MetricDownsampler.MIN_POINTS);
        assertTrue(kept.length <= MetricDownsampler.MIN_POINTS);
        assertTrue(Arrays.stream(kept).anyMatch(i -> i == 500));
    }
}
