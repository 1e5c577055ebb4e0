package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.analysis.PhaseDetector;
import org.dynalens.plugin.analysis.RunAnalysis;
import org.dynalens.plugin.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/**
 * {@code dynalens analyze RUN}: recomputes every analysis of an archived run, with restricted and excluded loss
 * based on the final checkpoint's key frequencies as in Nanda et al. 2023's figures, rewrites the checkpoints'
 * {@code analysis/} groups and the run's measures.h5 (atomically), and reindexes the run.
 */
@Command(name = "analyze", description = "Recompute the progress measures of an archived run (final key frequencies) and reindex it.")
final class AnalyzeCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;

    @Parameters(paramLabel = "RUN", description = "Run id.")
    String runId;

    @Option(names = "--force", description = "Analyse even if the run's status is 'running' (e.g. a run that was killed).")
    boolean force;

    @Override
    public Integer call() {
        Archive a = archive.open();
        RunArchive run = a.run(runId);
        Object status = run.info().summary().get("status");
        if ("running".equals(status) && !force) {
            throw new IllegalStateException("run " + runId + " is still training (status 'running'); wait for it to "
                    + "finish, or pass --force if it was killed");
        }
        RunAnalysis.Outcome outcome = TrainingRun.reanalyse(run);
        System.out.println("run " + runId + ": " + outcome);
        System.out.println("phases: " + PhaseDetector.Phases.fromSummary(run.info().summary()));
        RunIndex index = Indexes.openForWritingOrNull(a);
        if (index != null) {
            try (index) {
                index.indexRun(run);
                index.commit();
            }
            System.out.println("reindexed run " + runId);
        }
        return 0;
    }
}
