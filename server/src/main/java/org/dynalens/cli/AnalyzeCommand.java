package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.analysis.Analysis;
import org.dynalens.plugin.analysis.LocalLearningCoefficient;
import org.dynalens.plugin.analysis.PhaseDetector;
import org.dynalens.plugin.analysis.Sgld;
import org.dynalens.plugin.analysis.RunAnalysis;
import org.dynalens.plugin.train.TrainingRun;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
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

    @Option(names = "--no-progress", description = "No progress bar (e.g. when the output goes to a log file).")
    boolean noProgress;

    @Option(names = "--llc", description = "Also the local learning coefficient of every checkpoint by SGLD "
            + "(Lau et al. 2023); measures llc, llc_loss_init, llc_mean_loss. Costs chains x (draws + burn-in) "
            + "forward-backward passes per checkpoint.")
    boolean llc;
    @Option(names = "--llc-epsilon", paramLabel = "EPS", description = "SGLD step size (default ${DEFAULT-VALUE}).")
    double llcEpsilon = 3e-3;
    @Option(names = "--llc-gamma", paramLabel = "G", description = "SGLD localisation strength (default ${DEFAULT-VALUE}).")
    double llcGamma = 5;
    @Option(names = "--llc-nbeta", paramLabel = "NB", description = "n times inverse temperature (default ${DEFAULT-VALUE}).")
    double llcNBeta = 2;
    @Option(names = "--llc-chains", paramLabel = "C", description = "SGLD chains (default ${DEFAULT-VALUE}).")
    int llcChains = 2;
    @Option(names = "--llc-draws", paramLabel = "D", description = "Draws per chain (default ${DEFAULT-VALUE}).")
    int llcDraws = 100;
    @Option(names = "--llc-burn-in", paramLabel = "B", description = "Discarded steps per chain (default ${DEFAULT-VALUE}).")
    int llcBurnIn = 0;
    @Option(names = "--llc-seed", paramLabel = "S", description = "Seed of the SGLD noise (default ${DEFAULT-VALUE}).")
    long llcSeed = 0;

    @Override
    public Integer call() {
        Archive a = archive.open();
        RunArchive run = a.run(runId);
        Object status = run.info().summary().get("status");
        if ("running".equals(status) && !force) {
            throw new IllegalStateException("run " + runId + " is still training (status 'running'); wait for it to "
                    + "finish, or pass --force if it was killed");
        }
        List<Analysis> optIn = !llc ? List.of() : List.of(new LocalLearningCoefficient(new Sgld.Settings(
                llcEpsilon, llcGamma, llcNBeta, llcChains, llcDraws, llcBurnIn, llcSeed)));
        RunAnalysis.Outcome outcome;
        try (ProgressBar bar = noProgress ? null : ProgressBars.builder("analyze",
                run.checkpointSteps().size(), System.out).setUpdateIntervalMillis(250).setUnit(" ckpt", 1).build()) {
            outcome = TrainingRun.reanalyse(run, optIn, (done, total, step) -> {
                if (bar != null) {
                    bar.stepTo(done);
                    bar.setExtraMessage(" step " + step);
                }
            });
        }
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
