package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.report.TrajectoryReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code dynalens trajectory RUN [RUN...] --out DIR}: PCA of the checkpoints' weights (jointly over all given runs,
 * which must share an architecture) and optionally of their logits on a fixed input set; PNG plots of the PC1-PC2
 * path with phases marked, and {@code trajectory.json}. See {@link TrajectoryReport}.
 */
@Command(name = "trajectory", description = "PCA of the weight (and logit) trajectory of one or more runs: PNG plots and JSON.")
final class TrajectoryCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;

    @Parameters(paramLabel = "RUN", arity = "1..*", description = "Run ids (several: one joint PCA; same architecture).")
    List<String> runIds;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: trajectory-FIRST_RUN).")
    Path out;

    @Option(names = "--params", paramLabel = "PREFIX", split = ",",
            description = "Only parameters whose names start with these prefixes (e.g. embed.,blocks.0.mlp.); default all.")
    List<String> params = new ArrayList<>();

    @Option(names = "--logits", description = "Also a logit-trajectory PCA (classification tasks).")
    boolean logits;

    @Option(names = "--logit-inputs", paramLabel = "N", description = "Inputs for the logit PCA: all examples up to N, "
            + "else a fixed seeded subset of N (default ${DEFAULT-VALUE}).")
    int logitInputs = 1024;

    @Option(names = "--components", paramLabel = "K", description = "Principal components kept (default ${DEFAULT-VALUE}).")
    int components = 10;

    @Override
    public Integer call() {
        if (components < 2) throw new IllegalArgumentException("--components must be at least 2, got " + components);
        Archive a = archive.open();
        List<RunArchive> runs = new ArrayList<>();
        for (String id : runIds) runs.add(a.run(id));
        Path dir = out != null ? out : Path.of("trajectory-" + runIds.get(0));
        TrajectoryReport.Written w = TrajectoryReport.write(runs, dir,
                new TrajectoryReport.Options(params, logits, logitInputs, components));
        double[] r = w.weights().pca().explainedVarianceRatio();
        System.out.println(String.format(Locale.ROOT, "weights: %d checkpoints, %d dimensions, PC1 %.1f%%, PC2 %.1f%%",
                w.weights().steps().size(), w.weights().dimensions(), 100 * r[0], r.length > 1 ? 100 * r[1] : 0));
        if (w.logits() != null) {
            double[] l = w.logits().pca().explainedVarianceRatio();
            System.out.println(String.format(Locale.ROOT, "logits: %d dimensions, PC1 %.1f%%, PC2 %.1f%%",
                    w.logits().dimensions(), 100 * l[0], l.length > 1 ? 100 * l[1] : 0));
        }
        System.out.println("wrote " + w.json() + " and " + w.images().size() + " plots in " + dir);
        return 0;
    }
}
