package org.dynalens.cli;

import org.dynalens.sweep.SweepCluster;
import org.dynalens.sweep.SweepWorker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code dynalens worker}: a worker of a distributed sweep ({@code dynalens sweep --distributed}); see
 * {@link SweepWorker}. Every worker and the coordinator must use the same archive directory.
 */
@Command(name = "worker", description = "Join a distributed sweep (same --cluster and --archive as `sweep --distributed`) "
        + "and train runs from its queue until the sweep is finished.")
final class WorkerCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;

    @Option(names = "--cluster", paramLabel = "NAME", defaultValue = SweepCluster.DEFAULT_NAME,
            description = "Cluster name of the coordinator (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Stop after this long without an answer from a coordinator (default: ${DEFAULT-VALUE}).")
    double idleTimeout;

    @Option(names = "--progress", description = "A progress bar per run instead of one line per checkpoint.")
    boolean progress;

    @Override
    public Integer call() {
        if (idleTimeout <= 0) throw new IllegalArgumentException("--idle-timeout must be > 0, got " + idleTimeout);
        new SweepWorker(archive.open(), cluster, (long) (idleTimeout * 1000), System.out,
                () -> new TrainingProgress(progress, System.out)).run();
        return 0;
    }
}
