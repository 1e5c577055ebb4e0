package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every training loop shares with the archive: creating a run or reopening it to resume (same config or a
 * clear refusal, newest readable checkpoint, metrics truncated to it), writing a checkpoint with its optimiser state,
 * metrics and summary, and stopping cleanly on divergence. Used by {@link TrainingRun} (full-batch classification)
 * and {@link SequenceTrainingRun} (next-token tasks).
 */
final class RunSession {

    private static final Logger LOG = LoggerFactory.getLogger(RunSession.class);

    final RunArchive run;
    /** The newest readable checkpoint of a resumed run, or null for a fresh start. */
    final Checkpoint resumeFrom;
    final MetricSeries series;
    final long start;
    final RunConfig cfg;
    /** For a fresh branched run ({@code parent_run}, {@code parent_step}): the checkpoint it starts from. */
    final Checkpoint parent;
    /** For a fresh lottery ticket ({@code ticket_keep}): the mask from the parent's final checkpoint. */
    private TicketMask ticketMask;
    RunInfo info;
    private final long began = System.nanoTime();
    private long stepsDone;

    private RunSession(RunConfig cfg, RunArchive run, RunInfo info, Checkpoint resumeFrom, MetricSeries series,
                       Checkpoint parent) {
        this.cfg = cfg;
        this.parent = parent;
        this.run = run;
        this.info = info;
        this.resumeFrom = resumeFrom;
        this.series = series;
        this.start = resumeFrom == null ? 0 : resumeFrom.step();
    }

    /**
     * Creates the run {@code cfg} describes, or reopens it when it exists with the same trajectory-defining config
     * (anything else is refused with the differing settings named), removing files of writes a kill interrupted.
     */
    static RunSession open(RunConfig cfg, Archive archive, String taskName, Class<?> trainer, ModelConfig modelConfig,
                           Map<String, Object> extraProvenance) {
        String id = cfg.resolvedRunId();
        if (archive.hasRun(id)) {
            RunArchive run = archive.run(id);
            run.removeInterruptedWrites();
            RunInfo existing = run.info();
            Map<String, Object> before = RunConfig.fromMap(existing.config()).identity();
            if (!before.equals(cfg.identity())) {
                throw new IllegalArgumentException("run '" + id + "' already exists with a different config ("
                        + difference(before, cfg.identity()) + "); choose another --run-id");
            }
            Checkpoint last = lastReadableCheckpoint(run);
            long start = last == null ? 0 : last.step();
            MetricSeries series = run.readMetrics();
            series.truncateAfter(start - 1);
            RunInfo info = new RunInfo(id, existing.task(), existing.seed(), existing.created(),
                    cfg.withRunId(null).toMap(), existing.provenance(), existing.summary())
                    .withSummary(Map.of("status", "running"));
            run.writeInfo(info);
            if (start > 0) LOG.info("resuming run {} from step {}", id, start);
            // a branch killed before its first checkpoint starts again from its parent, not from the seed
            Origin origin = last == null ? origin(archive, cfg, modelConfig) : Origin.NONE;
            RunSession session = new RunSession(cfg, run, info, last, series, origin.parent());
            session.ticketMask = origin.mask();
            return session;
        }
        Origin origin = origin(archive, cfg, modelConfig);
        Checkpoint parent = origin.parent();
        TicketMask mask = origin.mask();
        Map<String, Object> summary = new LinkedHashMap<>(Map.of("status", "running"));
        summary.putAll(origin.summary());
        Map<String, Object> provenance = Provenance.of(trainer, modelConfig);
        provenance.putAll(extraProvenance); // e.g. Tribuo's provenance; same keys win
        RunInfo info = new RunInfo(id, taskName, cfg.seed(), Instant.now(), cfg.withRunId(null).toMap(),
                provenance, summary);
        RunSession session = new RunSession(cfg, archive.createRun(info), info, null, new MetricSeries(), parent);
        session.ticketMask = mask;
        return session;
    }

    /** Where a fresh run starts: nothing (the seed), a parent checkpoint, and for a lottery ticket also its mask. */
    private record Origin(Checkpoint parent, TicketMask mask, Map<String, Object> summary) {
        static final Origin NONE = new Origin(null, null, Map.of());
    }

    private static Origin origin(Archive archive, RunConfig cfg, ModelConfig modelConfig) {
        if (cfg.parentRun() == null) return Origin.NONE;
        Checkpoint parent = parentCheckpoint(archive, cfg, modelConfig);
        if (cfg.ticketKeep() == null) return new Origin(parent, null, Map.of());
        // lottery ticket: the mask comes from the parent's final weights, the start from its step k (rewind)
        Checkpoint last = lastReadableCheckpoint(archive.run(cfg.parentRun()));
        boolean random = RunConfig.TICKET_MASK_RANDOM.equals(cfg.ticketMask());
        TicketMask mask = random ? TicketMask.random(last.params(), cfg.ticketKeep(), cfg.seed())
                : TicketMask.magnitude(last.params(), cfg.ticketKeep());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("ticket_mask", random ? RunConfig.TICKET_MASK_RANDOM : RunConfig.TICKET_MASK_MAGNITUDE);
        summary.put("ticket_mask_step", last.step());
        summary.put("ticket_kept", mask.keptCount());
        summary.put("ticket_prunable", mask.prunableCount());
        return new Origin(parent, mask, summary);
    }

    /**
     * The checkpoint a branched run starts from, read and checked before the child is created: it must exist and
     * hold exactly the parameters (names and shapes) of the child's model.
     */
    private static Checkpoint parentCheckpoint(Archive archive, RunConfig cfg, ModelConfig modelConfig) {
        String ref = cfg.parentRun() + "@" + cfg.parentStep();
        if (!archive.hasRun(cfg.parentRun())) throw new IllegalArgumentException("no run '" + cfg.parentRun() + "' to branch from");
        RunArchive parentRun = archive.run(cfg.parentRun());
        if (!parentRun.checkpointSteps().contains(cfg.parentStep())) {
            throw new IllegalArgumentException("run " + cfg.parentRun() + " has no checkpoint at step " + cfg.parentStep()
                    + " (it has " + parentRun.checkpointSteps() + ")");
        }
        Checkpoint c = parentRun.readCheckpoint(cfg.parentStep());
        Map<String, List<Integer>> expected = new java.util.TreeMap<>(), found = new java.util.TreeMap<>();
        try (ai.djl.ndarray.NDManager m = org.dynalens.plugin.model.Djl.newManager();
             Transformer shape = Transformer.initialise(modelConfig, 0, m)) {
            shape.toTensors().forEach((k, v) -> expected.put(k, java.util.Arrays.stream(v.shape()).boxed().toList()));
        }
        c.params().forEach((k, v) -> found.put(k, java.util.Arrays.stream(v.shape()).boxed().toList()));
        if (!expected.equals(found)) {
            throw new IllegalArgumentException("cannot branch from " + ref + ": same architecture required, but "
                    + difference(new LinkedHashMap<>(found), new LinkedHashMap<>(expected)) + " (parent vs this run)");
        }
        return c;
    }

    /** The model to train: restored from the resume checkpoint, else freshly initialised from the seed. */
    Transformer model(ModelConfig modelConfig, ai.djl.ndarray.NDManager manager, AdamW optimiser) {
        Transformer model;
        if (resumeFrom != null) {
            model = Transformer.fromTensors(modelConfig, resumeFrom.params(), manager);
            optimiser.load(resumeFrom.withPrefix(Checkpoint.OPTIM), model.parameters(), manager);
        } else if (parent != null) {
            // a branch starts from the parent's weights with a fresh optimiser (zero AdamW moments, step 0, the
            // warm-up again): the usual fine-tuning setup; the parent's optimiser state is not carried over
            model = Transformer.fromTensors(modelConfig, parent.params(), manager);
            if (cfg.ticketKeep() != null) {
                // lottery ticket: the mask comes from the parent's final weights, the start from its step k (rewind)
                optimiser.mask().load(ticketMask.state(model.parameters()));
            }
        } else {
            model = Transformer.initialise(modelConfig, cfg.seed(), manager);
        }
        optimiser.initState(model.parameters(), manager);
        if (optimiser.mask() != null) optimiser.mask().apply(model.parameters(), manager);
        return model;
    }

    /** A non-finite loss ends the run with status {@code diverged}; the last good checkpoint is kept. */
    void failIfDiverged(long step, double loss) {
        if (!Double.isFinite(loss)) {
            run.writeInfo(info.withSummary(Map.of("status", "diverged", "diverged_step", step)));
            throw new IllegalStateException("training diverged at step " + step + " (train loss " + loss
                    + "); the last good checkpoint is kept");
        }
    }

    /** Counts an applied optimiser update (for {@code ms_per_step}). */
    void stepDone() {
        stepsDone++;
    }

    /**
     * Writes the checkpoint of {@code step} (weights, optimiser state, {@code analysis} tensors under
     * {@code analysis/}, the metrics) and the metric series, then the summary: status, last step, steps, ms per step
     * plus {@code extraSummary}; tells the listener and returns the checkpoint.
     */
    Checkpoint writeCheckpoint(long step, boolean last, Transformer model, AdamW optimiser, Map<String, Double> metrics,
                         Map<String, Tensor> analysis, Map<String, Object> extraSummary, TrainingListener listener) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.toTensors().forEach((k, v) -> tensors.put(Checkpoint.PARAMS + k, v));
        optimiser.state(model.parameters()).forEach((k, v) -> tensors.put(Checkpoint.OPTIM + k, v));
        analysis.forEach((k, v) -> tensors.put(Checkpoint.ANALYSIS + k, v));
        Checkpoint c = new Checkpoint(step, tensors, metrics);
        // metrics first: a kill between the two writes must never leave a checkpoint newer than the metric series,
        // or the rows between the previous checkpoint and this one would be lost on resume (found by CrashResumeTest)
        run.writeMetrics(series);
        run.writeCheckpoint(c);
        double secs = (System.nanoTime() - began) / 1e9;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("status", last ? "finished" : "running");
        summary.put("last_step", step);
        summary.put("steps", cfg.steps());
        if (stepsDone > 0) summary.put("ms_per_step", 1000 * secs / stepsDone);
        summary.putAll(extraSummary);
        info = info.withSummary(summary);
        run.writeInfo(info);
        listener.onCheckpoint(info, c);
        return c;
    }

    /** The newest checkpoint that reads back; a damaged newest file falls back to the one before. */
    static Checkpoint lastReadableCheckpoint(RunArchive run) {
        List<Long> steps = run.checkpointSteps();
        for (int i = steps.size() - 1; i >= 0; i--) {
            try {
                return run.readCheckpoint(steps.get(i));
            } catch (ArchiveException e) {
                LOG.warn("skipping unreadable checkpoint: {}", e.getMessage());
            }
        }
        return null;
    }

    private static String difference(Map<String, ?> a, Map<String, ?> b) {
        StringBuilder s = new StringBuilder();
        java.util.Set<String> keys = new java.util.LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            if (!String.valueOf(a.get(k)).equals(String.valueOf(b.get(k)))) {
                if (s.length() > 0) s.append(", ");
                s.append(k).append(": ").append(a.get(k)).append(" vs ").append(b.get(k));
            }
        }
        return s.toString();
    }
}
