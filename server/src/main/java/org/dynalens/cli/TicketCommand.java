package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.plugin.train.RunConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dynalens ticket RUN --keep F --rewind K}: a lottery ticket of a run (Frankle and Carbin 2019, with
 * rewinding, Frankle et al. 2020). The global magnitude mask of RUN's final checkpoint keeping fraction F of the
 * weight matrices, applied to RUN's weights at step K, retrained with RUN's config (same task, data, optimiser) and
 * the mask re-applied after every update. The ticket is a child run ({@code parent_run}, {@code parent_step} = K,
 * {@code ticket_keep} = F); at the end the ticket and the original are compared. {@code --random-mask} trains the
 * control: a random mask of the same size ({@code ticket_mask} = random).
 */
@Command(name = "ticket", description = "Train a lottery ticket of a run: magnitude mask of its final weights, rewound to step K.")
final class TicketCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;

    @Parameters(paramLabel = "RUN", description = "The trained run to prune.")
    String runId;

    @Option(names = "--keep", paramLabel = "F", required = true, description = "Fraction of the weight-matrix entries kept, in (0, 1].")
    double keep;

    @Option(names = "--rewind", paramLabel = "K", required = true, description = "Step of RUN whose weights the ticket starts from (0: the initialisation).")
    long rewind;

    @Option(names = "--random-mask", description = "Control: keep as many weights as the magnitude mask would, chosen "
            + "uniformly at random (seeded by RUN's seed).")
    boolean randomMask;

    @Option(names = "--steps", description = "Training steps of the ticket (default: those of RUN).")
    Integer steps;

    @Option(names = "--no-progress", description = "Print one line per checkpoint instead of a progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        Archive a = archive.open();
        RunArchive parent = a.run(runId);
        Map<String, Object> values = new LinkedHashMap<>(parent.info().config());
        values.remove("run_id");
        values.remove("ticket_keep");
        values.remove("ticket_mask");
        values.put("parent_run", runId);
        values.put("parent_step", rewind);
        values.put("ticket_keep", keep);
        if (randomMask) values.put("ticket_mask", RunConfig.TICKET_MASK_RANDOM);
        if (steps != null) values.put("steps", steps);
        RunConfig cfg = RunConfig.fromMap(values).validate();
        RunInfo ticket = TrainCommand.trainAndIndex(cfg, a, !noProgress);
        System.out.println("ticket " + ticket.id() + " of " + runId + " (keep " + keep + ", "
                + (randomMask ? "random" : "magnitude") + " mask, rewind to step " + rewind + ") archived in " + a.root());
        Map<String, Object> p = parent.info().summary(), t = ticket.summary();
        System.out.println(String.format(Locale.ROOT, "%-14s %16s %16s", "", "original", "ticket"));
        for (String key : new String[] {"grok_step", "last_step"}) {
            System.out.println(String.format(Locale.ROOT, "%-14s %16s %16s", key, p.getOrDefault(key, "-"), t.getOrDefault(key, "-")));
        }
        for (String metric : new String[] {"train_loss", "test_loss", "test_acc"}) {
            System.out.println(String.format(Locale.ROOT, "%-14s %16s %16s", "final " + metric,
                    last(a.run(runId), metric), last(a.run(ticket.id()), metric)));
        }
        System.out.println("kept " + t.get("ticket_kept") + " of " + t.get("ticket_prunable") + " weight-matrix entries");
        return 0;
    }

    private static String last(RunArchive run, String metric) {
        var s = run.readMetrics();
        if (s.size() == 0 || !s.names().contains(metric)) return "-";
        double[] v = s.values(metric);
        return String.format(Locale.ROOT, "%.4g", v[v.length - 1]);
    }
}
