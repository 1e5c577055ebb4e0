package org.dynalens.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/** The one look of every command's progress bar (train, analyze, sweep); callers add rate and units. */
final class ProgressBars {

    private ProgressBars() {
    }

    /** An ASCII bar on {@code out}, at most 120 columns (so it survives logs and narrow terminals). */
    static ProgressBarBuilder builder(String task, long max, PrintStream out) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(out, 120));
    }
}
