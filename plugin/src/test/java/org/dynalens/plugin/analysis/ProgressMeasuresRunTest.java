package org.dynalens.plugin.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.dynalens.archive.Archive;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The measures on a real, CI-sized grokking run (mod-23 addition, 60% of pairs, 1500 steps): checked against an
 * independent numpy implementation, and showing the order of events of Nanda et al. 2023 sec. 5.2.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProgressMeasuresRunTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3"); // the python3 on PATH may lack h5py
    static final RunConfig CFG = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.6, "seed", 0, "steps", 1500,
            "checkpoint_every", 100, "eval_every", 50));

    @TempDir
    static Path tmp;
    static RunArchive run;

    @BeforeAll
    static void train() {
        run = TrainingRun.train(CFG, Archive.open(tmp.resolve("archive")), new TrainingListener() {
        });
    }

    @Test
    @Order(1)
    void keyFrequenciesAndLossesAgreeWithAnIndependentNumpyImplementation() throws Exception {
        String missing = pythonWithH5py();
        if (missing != null) {
            if ("true".equals(System.getenv("CI"))) fail(missing + ": install python3-h5py python3-numpy");
            assumeTrue(false, missing);
        }
        Examples.Split split = CFG.split(CFG.createTask());
        Path trainRows = tmp.resolve("train-rows.txt");
        int[] t = split.train().tokens();
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < split.train().size(); i++) rows.append(t[3 * i] * CFG.p() + t[3 * i + 1]).append('\n');
        Files.writeString(trainRows, rows);

        for (long step : List.of(1000L, 1500L)) {
            int[] lossFreqs = run.readTensor(step, "analysis/loss_key_freqs").ints();
            JsonNode py = runScript(run.checkpointPath(step), trainRows, lossFreqs);
            int[] pyKey = new int[py.get("key_freqs").size()];
            for (int i = 0; i < pyKey.length; i++) pyKey[i] = py.get("key_freqs").get(i).asInt();
            int[] key = run.readTensor(step, "analysis/key_freqs").ints();
            assertArrayEquals(pyKey, key, "key frequencies at step " + step);
            assertArrayEquals(key, lossFreqs, "during training the losses use the checkpoint's own key frequencies");
            assertTrue(key.length > 0, "some frequencies have formed by step " + step);
            Map<String, Double> measures = run.readCheckpointMeasures(step);
            assertEquals(py.get("restricted_loss").asDouble(), measures.get("restricted_loss"), 1e-4, "restricted loss, step " + step);
            assertEquals(py.get("excluded_loss").asDouble(), measures.get("excluded_loss"), 1e-4, "excluded loss, step " + step);
            double[] frac = run.readTensor(step, "analysis/neuron_frac_explained").doubles();
            for (int n = 0; n < frac.length; n++) {
                assertEquals(py.get("neuron_frac_explained").get(n).asDouble(), frac[n], 1e-4, "neuron " + n);
            }
            System.out.printf("step %d: key freqs %s, restricted %.6f (numpy %.6f), excluded %.6f (numpy %.6f)%n", step,
                    Arrays.toString(key), measures.get("restricted_loss"), py.get("restricted_loss").asDouble(),
                    measures.get("excluded_loss"), py.get("excluded_loss").asDouble());
        }
    }

    @Test
    @Order(2)
    void measuresShowThePapersOrderOfEvents() {
        RunAnalysis.Outcome outcome = TrainingRun.reanalyse(run);  // final key frequencies at every step, as the paper
        assertEquals(16, outcome.analysed());
        MetricSeries m = run.readMeasures(), metrics = run.readMetrics();
        long[] steps = m.steps();
        double[] restricted = m.values("restricted_loss"), excluded = m.values("excluded_loss");
        double[] test = new double[steps.length], train = new double[steps.length], weights = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            int j = Arrays.binarySearch(metrics.steps(), steps[i]);
            test[i] = metrics.values("test_loss")[j];
            train[i] = metrics.values("train_loss")[j];
            weights[i] = metrics.values("sum_sq_weights")[j];
        }
        int last = steps.length - 1;
        // restricted loss (the circuit alone) falls long before test loss: the circuit forms while test loss is high
        int circuit = firstIndex(restricted, v -> v < 0.2);
        assertTrue(circuit > 0 && test[circuit] > 2, "restricted loss < 0.2 at step " + steps[circuit] + " while test loss is "
                + test[circuit]);
        // excluded loss: after memorisation the training set is fit without the key frequencies (low), then comes to
        // depend on them (rises), though train loss keeps falling
        int memorised = firstIndex(train, v -> v < 0.01);
        double lowest = Arrays.stream(excluded, memorised, last + 1).min().orElseThrow();
        assertTrue(excluded[last] > 5 * lowest && excluded[last] > 1000 * train[last],
                "excluded loss rises from " + lowest + " to " + excluded[last]);
        // weight decay shrinks the weights once the circuit has replaced memorisation
        double peak = Arrays.stream(weights).max().orElseThrow();
        assertTrue(weights[last] < 0.6 * peak, "sum of squared weights " + peak + " -> " + weights[last]);
        // the Fourier spectra sparsify
        assertTrue(m.values("gini_W_E")[last] > m.values("gini_W_E")[0] + 0.1);
        assertTrue(m.values("gini_W_L")[last] > m.values("gini_W_L")[0] + 0.1);
        for (long step : steps) {
            assertArrayEquals(outcome.finalKeyFrequencies(), run.readTensor(step, "analysis/loss_key_freqs").ints());
        }
    }

    private static int firstIndex(double[] v, java.util.function.DoublePredicate p) {
        for (int i = 0; i < v.length; i++) if (p.test(v[i])) return i;
        return -1;
    }

    private static String pythonWithH5py() throws InterruptedException {
        if (!Files.isExecutable(PYTHON)) return PYTHON + " is missing";
        try {
            Process proc = new ProcessBuilder(PYTHON.toString(), "-c", "import h5py, numpy").redirectErrorStream(true).start();
            proc.getInputStream().readAllBytes();
            return proc.waitFor(60, TimeUnit.SECONDS) && proc.exitValue() == 0 ? null : "h5py or numpy missing for " + PYTHON;
        } catch (IOException e) {
            return "cannot run " + PYTHON + ": " + e.getMessage();
        }
    }

    private static JsonNode runScript(Path checkpoint, Path trainRows, int[] lossFreqs) throws Exception {
        Path script = tmp.resolve("nanda_measures.py");
        try (var in = ProgressMeasuresRunTest.class.getResourceAsStream("/analysis/nanda_measures.py")) {
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString(), checkpoint.toString(),
                Integer.toString(CFG.p()), trainRows.toString(),
                lossFreqs.length == 0 ? "none" : Arrays.stream(lossFreqs).mapToObj(Integer::toString).collect(Collectors.joining(","))));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS), "numpy script timed out");
        assertEquals(0, proc.exitValue(), "numpy script failed: " + err);
        return new ObjectMapper().readTree(out);
    }
}
