package org.dynalens.indexer.bench;

import org.dynalens.archive.RunInfo;
import org.dynalens.indexer.CheckpointDoc;
import org.dynalens.indexer.IndexableRun;

import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A synthetic archive-like data set: a hyper-parameter sweep of grokking-style runs, each with the same number of
 * checkpoints spread over 20,000 steps. Run {@code i} is a pure function of ({@code seed}, {@code i}), so the Lucene
 * index and the SQLite baseline get the same data without holding a million checkpoints in memory.
 *
 * <p>Dynamics: train loss falls within a few hundred steps; test loss rises slightly while the run memorises, and
 * for runs that grok falls exponentially from their grok step on. Once test loss is below 1 a run's checkpoints
 * carry its 3-5 key frequencies (as the Fourier analysis would report them).
 */
final class SyntheticSweep {

    static final List<String> METRICS = List.of("train_loss", "test_loss", "train_acc", "test_acc", "weight_norm");
    static final int STEPS = 20_000;
    private static final String[] TASKS = {"mod-add", "mod-add", "mod-add", "mod-add", "mod-sub", "mod-sub",
            "mod-mul", "sparse-parity"};
    private static final double[] WEIGHT_DECAYS = {0.0, 0.1, 0.3, 1.0, 3.0};
    private static final double[] FRACS = {0.2, 0.3, 0.4, 0.5, 0.6};
    private static final int[] PRIMES = {97, 113, 127};
    private static final int[] WIDTHS = {64, 128, 256};

    final int runs;
    final int checkpointsPerRun;
    private final long seed;

    SyntheticSweep(int runs, int checkpointsPerRun, long seed) {
        if (runs < 1 || checkpointsPerRun < 1) throw new IllegalArgumentException("runs and checkpoints must be >= 1");
        this.runs = runs;
        this.checkpointsPerRun = checkpointsPerRun;
        this.seed = seed;
    }

    /** All runs, generated on demand. */
    List<IndexableRun> all() {
        return new AbstractList<>() {
            @Override
            public IndexableRun get(int i) {
                return run(i);
            }

            @Override
            public int size() {
                return runs;
            }
        };
    }

    IndexableRun run(int i) {
        // SplittableRandom mixes its seed: java.util.Random's first draws correlate across consecutive seeds
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
        String task = TASKS[r.nextInt(TASKS.length)];
        int p = PRIMES[r.nextInt(PRIMES.length)];
        double lr = Math.pow(10, -5 + 3 * r.nextDouble());
        double weightDecay = WEIGHT_DECAYS[r.nextInt(WEIGHT_DECAYS.length)];
        double frac = FRACS[r.nextInt(FRACS.length)];
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("p", p);
        config.put("lr", lr);
        config.put("weight_decay", weightDecay);
        config.put("frac", frac);
        config.put("d_model", WIDTHS[r.nextInt(WIDTHS.length)]);
        config.put("steps", STEPS);

        boolean grokked = weightDecay > 0 && frac >= 0.3 && r.nextDouble() < 0.7;
        int grokStep = 1000 + r.nextInt(24_000);  // after the last checkpoint for some runs
        double status = r.nextDouble();
        List<String> tags = new ArrayList<>();
        if (r.nextDouble() < 0.3) tags.add("baseline");
        if (r.nextDouble() < 0.3) tags.add("sweep-a");
        if (r.nextDouble() < 0.2) tags.add("sweep-b");
        if (r.nextDouble() < 0.15) tags.add("ablation");
        if (grokked && r.nextDouble() < 0.5) tags.add("grok");
        double noteDraw = r.nextDouble();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("status", status < 0.8 ? "finished" : status < 0.9 ? "running" : "failed");
        summary.put("tags", tags);
        if (noteDraw < 0.1) summary.put("notes", "slingshot instability after the warm-up");
        else if (noteDraw < 0.2) summary.put("notes", "clean grokking, weights settle");
        if (grokked) summary.put("grok_step", grokStep);

        TreeSet<Integer> freqs = new TreeSet<>();
        int keyCount = 3 + r.nextInt(3);
        while (freqs.size() < keyCount) freqs.add(1 + r.nextInt((p - 1) / 2));
        List<String> keyFreqs = freqs.stream().map(String::valueOf).toList();

        List<CheckpointDoc> checkpoints = new ArrayList<>(checkpointsPerRun);
        int every = STEPS / checkpointsPerRun;
        double memorised = 4.7 + 0.3 * r.nextDouble();
        double decay = 400 + 800 * r.nextDouble();
        for (int k = 0; k < checkpointsPerRun; k++) {
            long step = (long) k * every;
            double trainLoss = 4.7 * Math.exp(-step / 300.0) + 1e-3 * (1 + r.nextDouble());
            double testLoss = grokked && step >= grokStep
                    ? memorised * Math.exp(-(step - grokStep) / decay) + 5e-3 * r.nextDouble()
                    : memorised - 0.2 * Math.exp(-step / 500.0) + 0.05 * r.nextDouble();
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("train_loss", trainLoss);
            metrics.put("test_loss", testLoss);
            metrics.put("train_acc", Math.exp(-trainLoss));
            metrics.put("test_acc", Math.exp(-testLoss));
            metrics.put("weight_norm", 60 - 30.0 * step / STEPS + r.nextDouble());
            checkpoints.add(new CheckpointDoc(step, metrics, testLoss < 1 ? Map.of("key_freqs", keyFreqs) : Map.of()));
        }
        RunInfo info = new RunInfo(String.format("run-%06d", i), task, i % 20,
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * i), config, Map.of("trainer", "synthetic"),
                summary);
        return new IndexableRun(info, checkpoints);
    }
}
