package org.dynalens.plugin.analysis;

import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Recomputes every analysis of an archived run the way the paper's figures are made: restricted and excluded loss
 * of every checkpoint use the key frequencies of the run's final checkpoint (Nanda et al. 2023 sec. 5.1: "we use
 * the key frequencies of the final model"). Each checkpoint file is rewritten atomically with its new
 * {@code analysis/} group, and {@code measures.h5} is rewritten with one row per analysed checkpoint.
 */
public final class RunAnalysis {

    private static final Logger LOG = LoggerFactory.getLogger(RunAnalysis.class);

    private RunAnalysis() {
    }

    /**
     * @param analysed          checkpoints analysed
     * @param unreadable        checkpoints skipped because they could not be read
     * @param finalStep         the step whose key frequencies were used
     * @param finalKeyFrequencies the key frequencies of that checkpoint
     */
    public record Outcome(int analysed, int unreadable, long finalStep, int[] finalKeyFrequencies) {
        @Override
        public String toString() {
            return analysed + " checkpoint(s) analysed with the key frequencies " + Arrays.toString(finalKeyFrequencies)
                    + " of step " + finalStep + (unreadable > 0 ? ", " + unreadable + " unreadable skipped" : "");
        }
    }

    /** Told after each checkpoint of a reanalysis (for a progress bar); {@code done} counts skipped ones too. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total, step) -> { };

        void checkpointDone(int done, int total, long step);
    }

    /** Reanalyses {@code run}; fails with a clear message when it has no readable checkpoint or no analysis applies. */
    public static Outcome reanalyse(RunArchive run, Task task, ModelConfig model, Examples.Split split,
                                    List<Analysis> analyses) {
        return reanalyse(run, task, model, split, analyses, Progress.NONE);
    }

    /** As above, telling {@code progress} after each checkpoint. */
    public static Outcome reanalyse(RunArchive run, Task task, ModelConfig model, Examples.Split split,
                                    List<Analysis> analyses, Progress progress) {
        if (analyses.isEmpty()) {
            throw new IllegalArgumentException("no analysis applies to task " + task.name() + " of run " + run.id());
        }
        List<Long> steps = run.checkpointSteps();
        Checkpoint last = null;
        for (int i = steps.size() - 1; i >= 0 && last == null; i--) {
            try {
                last = run.readCheckpoint(steps.get(i));
            } catch (ArchiveException e) {
                LOG.warn("run {}: checkpoint {} unreadable: {}", run.id(), steps.get(i), e.getMessage());
            }
        }
        if (last == null) throw new IllegalArgumentException("run " + run.id() + " has no readable checkpoint to analyse");
        int[] finalKey = new AnalysisInput(task, model, last.step(), last.params(), split, null).clusters().keyFrequencies();

        TreeMap<Long, Map<String, Double>> rows = new TreeMap<>();
        int unreadable = 0;
        int done = 0;
        for (long step : steps) {
            Checkpoint c;
            try {
                c = step == last.step() ? last : run.readCheckpoint(step);
            } catch (ArchiveException e) {
                LOG.warn("run {}: checkpoint {} not analysed: {}", run.id(), step, e.getMessage());
                unreadable++;
                progress.checkpointDone(++done, steps.size(), step);
                continue;
            }
            AnalysisResult result = Analyses.run(analyses, new AnalysisInput(task, model, step, c.params(), split, finalKey));
            CheckpointAnalyser.store(run, c, result);
            rows.put(step, result.measures());
            progress.checkpointDone(++done, steps.size(), step);
        }
        run.writeMeasures(CheckpointAnalyser.series(rows));
        run.writeInfo(run.info().withSummary(Map.of(
                "final_key_freqs", Arrays.stream(finalKey).boxed().toList(),
                "loss_key_freqs_from", "final")));
        return new Outcome(rows.size(), unreadable, last.step(), finalKey);
    }
}
