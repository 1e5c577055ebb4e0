package org.dynalens.cli;

import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.task.Tasks;
import org.dynalens.report.RunReport;
import org.dynalens.report.SequenceRunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dynalens report RUN [--out DIR]}: an HTML page with PNG plots of a run's progress measures over steps (phases
 * shaded), the Fourier spectrum of W_E at the phase boundaries and the key frequencies; see {@link RunReport}. For a
 * sequence (next-token) task: losses, head scores, the induction phase change and head roles; see
 * {@link SequenceRunReport}.
 */
@Command(name = "report", description = "Write an HTML report with PNG plots of a run's progress measures and phases.")
final class ReportCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;

    @Parameters(paramLabel = "RUN", description = "Run id.")
    String runId;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: report-RUN).")
    Path out;

    @Override
    public Integer call() {
        RunArchive run = archive.open().run(runId);
        Path dir = out != null ? out : Path.of("report-" + runId);
        if (Tasks.isSequenceTask(run.info().task())) {
            SequenceRunReport.Written w = SequenceRunReport.write(run, dir);
            System.out.println("wrote " + w.html() + " and " + w.images().size() + " plots; induction phase step: "
                    + (w.phaseStep() == null ? "not found" : w.phaseStep()));
            return 0;
        }
        RunReport.Written w = RunReport.write(run, dir);
        System.out.println("wrote " + w.html() + " and " + w.images().size() + " plots; phases: " + w.phases());
        return 0;
    }
}
