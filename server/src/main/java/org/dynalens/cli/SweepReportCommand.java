package org.dynalens.cli;

import org.dynalens.report.SweepReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dynalens sweep-report SWEEP [--out DIR]}: the path-dependence report of a sweep; see {@link SweepReport}.
 */
@Command(name = "sweep-report", description = "Write the path-dependence report of a sweep: grok step, phases and key "
        + "frequencies per run, head matching and CKA between every pair of final checkpoints (HTML, PNG, JSON, CSV).")
final class SweepReportCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;

    @Parameters(paramLabel = "SWEEP", description = "Sweep id (printed by `dynalens sweep`).")
    String sweepId;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: sweep-report-SWEEP).")
    Path out;

    @Override
    public Integer call() {
        Path dir = out != null ? out : Path.of("sweep-report-" + sweepId);
        SweepReport.Written w = SweepReport.write(archive.open(), sweepId, dir);
        System.out.println("wrote " + w.html() + ", " + w.json() + " and " + w.images().size() + " plots: "
                + w.runs().size() + " run(s), " + w.pairs().size() + " pair(s), key frequencies " + w.frequencies());
        return 0;
    }
}
