package org.dynalens.cli;

import me.tongfei.progressbar.ProgressBar;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunInfo;
import org.dynalens.plugin.train.TrainingListener;

import java.io.PrintStream;
import java.util.Map;

/** A terminal progress bar showing step, train loss and test loss; or plain lines per checkpoint. */
final class TrainingProgress implements TrainingListener, AutoCloseable {

    private final boolean bar;
    private final PrintStream out;
    private ProgressBar progress;
    private double testLoss = Double.NaN;

    TrainingProgress(boolean bar, PrintStream out) {
        this.bar = bar;
        this.out = out;
    }

    @Override
    public void onStart(RunInfo info, long startStep, long totalSteps) {
        out.println((startStep > 0 ? "resuming " : "training ") + info.id() + " from step " + startStep + " to " + totalSteps);
        if (bar) {
            progress = ProgressBars.builder(info.task(), totalSteps, out)
                    .setUpdateIntervalMillis(250).showSpeed().build();
            progress.stepTo(startStep);
        }
    }

    @Override
    public void onStep(long step, double trainLoss) {
        if (progress != null) {
            progress.stepTo(step);
            progress.setExtraMessage(String.format(" train %.3g test %.3g", trainLoss, testLoss));
        }
    }

    @Override
    public void onEval(long step, Map<String, Double> metrics) {
        testLoss = metrics.getOrDefault("test_loss", Double.NaN);
    }

    @Override
    public void onCheckpoint(RunInfo info, Checkpoint c) {
        if (!bar) {
            out.printf("step %d  train_loss %.4g  test_loss %.4g  test_acc %.3f%n", c.step(),
                    c.metrics().get("train_loss"), c.metrics().get("test_loss"), c.metrics().get("test_acc"));
        }
    }

    @Override
    public void onFinish(RunInfo info) {
        close();
        Object grok = info.summary().get("grok_step");
        out.println("finished " + info.id() + (grok != null ? "; test loss < 0.1 first at step " + grok : ""));
    }

    @Override
    public void close() {
        if (progress != null) {
            progress.close();
            progress = null;
        }
    }
}
