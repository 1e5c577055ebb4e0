package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunIndex;
import org.dynalens.sweep.SweepCluster;
import org.dynalens.sweep.SweepCoordinator;
import org.dynalens.sweep.SweepRunner;
import org.dynalens.sweep.SweepRunner.Outcome;
import org.dynalens.sweep.SweepSpec;
import org.dynalens.sweep.SweepStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code dynalens sweep --config SWEEP.json}: expands a grid or list of run configs ({@link SweepSpec}) and trains
 * every member not yet done, N at a time, each exactly as {@code dynalens train} would. Re-running the same sweep
 * skips finished members and resumes unfinished ones from their last checkpoint.
 */
@Command(name = "sweep", description = "Train a grid or list of runs (seeds, data fraction, weight decay, task ...); "
        + "resumable: finished runs are skipped, unfinished ones resume from their last checkpoint.")
final class SweepCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;

    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "Sweep file: a base run config plus 'grid' (key -> list of values) and/or 'runs' (list of overrides), optional 'sweep_id'.")
    Path config;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
            description = "Runs trained at the same time (default: ${DEFAULT-VALUE}); with more than one, each run is a "
                    + "`dynalens train` child process with one intra-op thread.")
    int workers;

    @Option(names = "--no-progress", description = "Plain lines instead of the overall progress bar.")
    boolean noProgress;

    @Option(names = "--distributed", description = "Do not train here: hand the runs to `dynalens worker` processes "
            + "that join the same cluster (Vert.x clustered event bus over Hazelcast, loopback only).")
    boolean distributed;

    @Option(names = "--cluster", paramLabel = "NAME", defaultValue = SweepCluster.DEFAULT_NAME,
            description = "Cluster name shared with the workers (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--heartbeat-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "With --distributed: a worker silent this long loses its run to another worker (default: ${DEFAULT-VALUE}).")
    double heartbeatTimeout;

    @Option(names = "--dry-run", description = "List the member runs and which are done, train nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        if (workers < 1) throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        SweepSpec spec = SweepSpec.read(config);
        Archive a = archive.open();
        PrintStream out = System.out;
        long done = spec.members().stream().filter(m -> SweepStore.isDone(a, m.config())).count();
        out.println("sweep " + spec.id() + ": " + spec.members().size() + " run(s), " + done + " already done");
        if (dryRun) {
            for (SweepSpec.Member m : spec.members()) {
                out.println("  " + m.runId() + (SweepStore.isDone(a, m.config()) ? "  done" : "  to train") + "  " + m.overrides());
            }
            return 0;
        }
        if (heartbeatTimeout <= 0) throw new IllegalArgumentException("--heartbeat-timeout must be > 0, got " + heartbeatTimeout);
        List<Outcome> outcomes;
        RunIndex index = Indexes.openForWritingOrNull(a);
        if (distributed) {
            try (index) {
                outcomes = new SweepCoordinator(spec, a, index, (long) (heartbeatTimeout * 1000), out).run(cluster);
            }
            return summarise(spec, outcomes, out);
        }
        try (index; SweepProgress progress = new SweepProgress(!noProgress, out, spec)) {
            spec.members().stream().filter(m -> SweepStore.isDone(a, m.config())).forEach(progress::alreadyDone);
            outcomes = SweepRunner.run(spec, a, index, workers, progress);
        }
        return summarise(spec, outcomes, out);
    }

    /** Prints a table of the members and returns the exit code: 0 when every run is done, 1 when any failed. */
    static int summarise(SweepSpec spec, List<Outcome> outcomes, PrintStream out) {
        out.println("sweep " + spec.id() + " summary:");
        out.printf(Locale.ROOT, "  %-40s %-13s %10s %9s%n", "run", "status", "grok_step", "seconds");
        int failed = 0;
        for (Outcome o : outcomes) {
            out.printf(Locale.ROOT, "  %-40s %-13s %10s %9.1f%n", o.runId(), o.status().name().toLowerCase(Locale.ROOT),
                    o.grokStep() == null ? "-" : o.grokStep(), o.seconds());
            if (o.error() != null) {
                out.println("    error: " + Main.oneLine(o.error()));
                failed++;
            }
        }
        out.println(failed == 0 ? "all " + outcomes.size() + " run(s) done; members: sweep:" + spec.id()
                : failed + " of " + outcomes.size() + " run(s) failed; re-run the sweep to retry them");
        return failed == 0 ? 0 : 1;
    }
}
