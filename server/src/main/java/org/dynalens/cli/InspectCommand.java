package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dynalens inspect RUN [--step S]}: what the archive holds for a run or one checkpoint. */
@Command(name = "inspect", description = "Show a run's config and checkpoints, or one checkpoint's tensors and metrics.")
final class InspectCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;
    @Parameters(index = "0", paramLabel = "RUN", description = "Run id.")
    String runId;
    @Option(names = "--step", description = "Show this checkpoint's tensors and metrics.")
    Long step;

    @Override
    public Integer call() {
        Archive a = archive.open();
        RunArchive run = a.run(runId);
        if (step == null) {
            RunInfo info = run.info();
            System.out.println("run       " + info.id());
            System.out.println("task      " + info.task() + "   seed " + info.seed() + "   created " + info.created());
            System.out.println("config    " + info.config());
            System.out.println("summary   " + info.summary());
            List<Long> steps = run.checkpointSteps();
            System.out.println("checkpoints " + steps.size() + (steps.isEmpty() ? "" : " (steps " + steps.get(0) + " .. "
                    + steps.get(steps.size() - 1) + ")"));
            return 0;
        }
        List<TensorInfo> tensors = run.listTensors(step);
        System.out.println("checkpoint " + step + " of " + runId);
        System.out.println("metrics " + run.readCheckpointMetrics(step));
        for (TensorInfo t : tensors) {
            System.out.printf("  %-36s %-8s %s%n", t.path(), t.dtype(), Arrays.toString(t.shape()));
        }
        return 0;
    }
}
