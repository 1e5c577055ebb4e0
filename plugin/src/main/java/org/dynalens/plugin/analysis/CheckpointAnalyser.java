package org.dynalens.plugin.analysis;

import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Analyses a run's checkpoints on one background thread while the run trains, and stores the results:
 * <ul>
 *   <li>the checkpoint file is rewritten atomically with an {@code analysis/} group added (parameters, optimiser
 *       state and metrics are copied unchanged, so resuming from it is unaffected);</li>
 *   <li>{@code measures.h5} gets (or replaces) the checkpoint's row of scalar measures.</li>
 * </ul>
 * The training thread only hands over a checkpoint it has already written (its tensors are fresh copies that nothing
 * mutates) and later collects the finished results with {@link #drainFinished()}, so listeners are still called on
 * the training thread. The analyses are plain Java (including their forward pass, {@link ModularGrid#compute}),
 * never DJL: PyTorch stays single-threaded, and training's arrays, random state and optimiser are never touched, so
 * training stays bitwise reproducible. Checkpoints of an interrupted earlier session that lack an analysis are queued
 * first.
 *
 * <p>Restricted and excluded loss use each checkpoint's own key frequencies here; {@link RunAnalysis} recomputes a
 * finished run with the final checkpoint's, as in the paper's figures.
 */
public final class CheckpointAnalyser implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointAnalyser.class);

    /** A checkpoint as rewritten with its analysis, and the analysis. */
    public record Analysed(Checkpoint checkpoint, AnalysisResult result) {
    }

    private final RunArchive run;
    private final Task task;
    private final ModelConfig model;
    private final Examples.Split split;
    private final List<Analysis> analyses;
    private final ExecutorService executor;
    private final ConcurrentLinkedQueue<Analysed> finished = new ConcurrentLinkedQueue<>();
    /** step -> measures; only touched on the analysis thread. */
    private final TreeMap<Long, Map<String, Double>> measures = new TreeMap<>();

    /**
     * @param resumeStep the step training (re)starts from: stored measures after it belong to a discarded future
     *                   and are dropped; checkpoints before it that have no measures yet are analysed first
     */
    public CheckpointAnalyser(RunArchive run, Task task, ModelConfig model, Examples.Split split, List<Analysis> analyses,
                              long resumeStep) {
        this.run = run;
        this.task = task;
        this.model = model;
        this.split = split;
        this.analyses = List.copyOf(analyses);
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "analysis-" + run.id());
            t.setDaemon(true);
            return t;
        });
        if (this.analyses.isEmpty()) return;
        MetricSeries stored;
        try {
            stored = run.readMeasures();
        } catch (ArchiveException e) {
            LOG.warn("run {}: stored measures unreadable, recomputing them: {}", run.id(), e.getMessage());
            stored = new MetricSeries();
        }
        measures.putAll(rows(stored));
        measures.tailMap(resumeStep, false).clear();
        // checkpoints of an earlier, interrupted session whose analysis never finished
        for (long step : run.checkpointSteps()) {
            if (step < resumeStep && !measures.containsKey(step)) executor.execute(() -> analyseStored(step));
        }
    }

    /** Whether any analysis applies (otherwise {@link #submit} does nothing). */
    public boolean active() {
        return !analyses.isEmpty();
    }

    /** Queues a checkpoint that is already in the archive for analysis. Called on the training thread. */
    public void submit(Checkpoint checkpoint) {
        if (!active()) return;
        executor.execute(() -> analyse(checkpoint));
    }

    /** The analyses finished since the last call, in step order of completion. */
    public List<Analysed> drainFinished() {
        List<Analysed> out = new ArrayList<>();
        for (Analysed a; (a = finished.poll()) != null; ) out.add(a);
        return out;
    }

    /** Waits for every queued analysis to finish. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            while (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.info("run {}: waiting for checkpoint analyses to finish", run.id());
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void analyseStored(long step) {
        try {
            analyse(run.readCheckpoint(step));
        } catch (ArchiveException e) {
            LOG.warn("run {}: checkpoint {} not analysed: {}", run.id(), step, e.getMessage());
        }
    }

    private void analyse(Checkpoint checkpoint) {
        try {
            AnalysisInput in = new AnalysisInput(task, model, checkpoint.step(), checkpoint.params(), split, null);
            AnalysisResult result = Analyses.run(analyses, in);
            Checkpoint analysed = store(run, checkpoint, result);
            measures.put(checkpoint.step(), result.measures());
            run.writeMeasures(series(measures));
            finished.add(new Analysed(analysed, result));
        } catch (RuntimeException e) {
            // an analysis must never stop training; the checkpoint simply stays unanalysed
            LOG.warn("run {}: analysis of checkpoint {} failed: {}", run.id(), checkpoint.step(), e.toString());
        }
    }

    /** Rewrites the checkpoint file atomically with {@code result} as its {@code analysis/} group. */
    static Checkpoint store(RunArchive run, Checkpoint checkpoint, AnalysisResult result) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        result.tensors().forEach((k, v) -> tensors.put(Checkpoint.ANALYSIS + k, v));
        result.measures().forEach((k, v) -> tensors.put(Checkpoint.ANALYSIS + k, Tensor.of(new double[] {v})));
        Checkpoint analysed = checkpoint.withoutAnalysis().withTensors(tensors);
        run.writeCheckpoint(analysed);
        return analysed;
    }

    static TreeMap<Long, Map<String, Double>> rows(MetricSeries s) {
        TreeMap<Long, Map<String, Double>> out = new TreeMap<>();
        long[] steps = s.steps();
        for (int i = 0; i < steps.length; i++) {
            Map<String, Double> row = new LinkedHashMap<>();
            for (String name : s.names()) {
                double v = s.values(name)[i];
                if (!Double.isNaN(v)) row.put(name, v);
            }
            out.put(steps[i], row);
        }
        return out;
    }

    static MetricSeries series(TreeMap<Long, Map<String, Double>> rows) {
        MetricSeries s = new MetricSeries();
        rows.forEach(s::append);
        return s;
    }
}
