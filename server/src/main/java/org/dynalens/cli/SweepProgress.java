package org.dynalens.cli;

import me.tongfei.progressbar.ProgressBar;
import org.dynalens.archive.RunInfo;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.sweep.SweepRunner;
import org.dynalens.sweep.SweepSpec;

import java.io.PrintStream;

/**
 * Progress of a sweep: one overall bar over the steps of every member (several runs train at once, so one bar per
 * run would interleave), plus a line when each run starts, resumes or finishes.
 */
final class SweepProgress implements SweepRunner.Progress, AutoCloseable {

    private final PrintStream out;
    private final ProgressBar bar;
    private final java.util.Map<String, Long> childAt = new java.util.concurrent.ConcurrentHashMap<>();

    SweepProgress(boolean bar, PrintStream out, SweepSpec spec) {
        this.out = out;
        long total = spec.members().stream().mapToLong(m -> m.config().steps()).sum();
        this.bar = !bar ? null : ProgressBars.builder("sweep " + spec.id(), total, out)
                .setUpdateIntervalMillis(500).showSpeed().build();
    }

    /** Done members count as finished work on the bar. */
    void alreadyDone(SweepSpec.Member m) {
        if (bar != null) bar.stepBy(m.config().steps());
    }

    /**
     * A child's output: its start, resume and finish lines are shown as they are; its per-checkpoint lines
     * ({@code step N ...}) move the bar, or are shown prefixed by the run id without a bar.
     */
    @Override
    public void childLine(SweepSpec.Member m, String line) {
        if (line.startsWith("training ") || line.startsWith("resuming ") || line.startsWith("finished ")) {
            synchronized (out) {
                out.println(line);
            }
            if (line.startsWith("resuming ") && bar != null) {
                long from = number(line, " from step ");
                if (from > 0) bar.stepBy(from);
                childAt.put(m.runId(), from);
            }
        } else if (line.startsWith("step ")) {
            long step = number(line, "step ");
            if (bar != null) {
                long before = childAt.getOrDefault(m.runId(), 0L);
                if (step > before) bar.stepBy(step - before);
                childAt.put(m.runId(), Math.max(before, step));
            } else {
                synchronized (out) {
                    out.println("  " + m.runId() + ": " + line);
                }
            }
        }
    }

    private static long number(String line, String after) {
        int i = line.indexOf(after);
        if (i < 0) return 0;
        int from = i + after.length(), to = from;
        while (to < line.length() && Character.isDigit(line.charAt(to))) to++;
        return to == from ? 0 : Long.parseLong(line.substring(from, to));
    }

    @Override
    public TrainingListener forRun(SweepSpec.Member m) {
        return new TrainingListener() {
            private long at;

            @Override
            public void onStart(RunInfo info, long startStep, long totalSteps) {
                synchronized (out) {
                    out.println((startStep > 0 ? "resuming " : "training ") + info.id() + " from step " + startStep
                            + " to " + totalSteps);
                }
                at = startStep;
                if (bar != null) bar.stepBy(startStep);
            }

            @Override
            public void onStep(long step, double trainLoss) {
                if (bar != null && step > at) bar.stepBy(step - at);
                at = Math.max(at, step);
            }

            @Override
            public void onFinish(RunInfo info) {
                Object grok = info.summary().get("grok_step");
                synchronized (out) {
                    out.println("finished " + info.id() + (grok != null ? "; test loss < 0.1 first at step " + grok : ""));
                }
            }
        };
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
