package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Map;

class ScratchProbe {
    public static void main(String[] args) throws Exception {
        new ScratchProbe().probe();
    }

    @Test
    void probe() throws Exception {
        int p = Integer.getInteger("probe.p", 23);
        double frac = Double.parseDouble(System.getProperty("probe.frac", "0.3"));
        int steps = Integer.getInteger("probe.steps", 3000);
        RunConfig cfg = RunConfig.fromMap(Map.of("p", p, "train_fraction", frac, "steps", steps, "checkpoint_every", 500, "eval_every", 100));
        Archive a = Archive.open(Files.createTempDirectory("probe"));
        long t0 = System.nanoTime();
        TrainingRun.train(cfg, a, new TrainingListener() {
            @Override public void onEval(long step, Map<String, Double> m) {
                System.out.printf("step %d %s  t=%.1fs%n", step, m, (System.nanoTime() - t0) / 1e9);
            }
        });
    }
}
