package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunInfo;
import org.dynalens.indexer.RunIndex;
import org.dynalens.server.IndexingListener;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import org.dynalens.server.DynalensServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dynalens demo}: the whole product in one command. Serves the UI first, then trains a grokking run that
 * generalises within minutes on two CPU cores (mod-113 addition with half of the pairs for training, the otherwise
 * unchanged Nanda et al. setup), archiving and indexing every checkpoint while the UI shows the curves live.
 */
@Command(name = "demo", description = "Train a small grokking run, archive and index it, and serve the UI at http://127.0.0.1:8080.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--archive", paramLabel = "DIR", defaultValue = "demo-archive",
            description = "Archive directory (default: ${DEFAULT-VALUE}).")
    Path dir;
    @Mixin
    ServerOptionsMixin server;
    @Option(names = "--steps", defaultValue = "1200", description = "Training steps (default: ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--exit", description = "Exit when training ends instead of serving until Ctrl-C.")
    boolean exit;
    @Option(names = "--no-progress", description = "Print one line per checkpoint instead of a progress bar.")
    boolean noProgress;

    static RunConfig demoConfig(int steps) {
        return RunConfig.fromMap(Map.of("task", "mod-add", "p", 113, "train_fraction", 0.5, "seed", 0,
                "steps", steps, "checkpoint_every", 100, "eval_every", 20, "run_id", "demo-mod-add-p113")).validate();
    }

    @Override
    public Integer call() throws InterruptedException {
        RunConfig cfg = demoConfig(steps);
        Archive archive = Archive.open(dir);
        try (RunIndex index = RunIndex.open(archive.indexDir());
             DynalensServer http = new DynalensServer(archive, index, server.options());
             TrainingProgress progress = new TrainingProgress(!noProgress, System.out)) {
            int port = http.start();
            String url = "http://" + server.host + ":" + port + "/run.html?id=" + cfg.resolvedRunId();
            System.out.println("dynalens demo: watch the run live at " + url);
            long began = System.nanoTime();
            TrainingRun.train(cfg, archive, TrainingListener.all(progress, new IndexingListener(archive, index)));
            RunInfo info = archive.run(cfg.resolvedRunId()).info();
            System.out.printf("trained %d steps in %.0f s (%.0f ms/step); grok step (test loss < 0.1): %s%n", steps,
                    (System.nanoTime() - began) / 1e9, number(info.summary().get("ms_per_step")),
                    info.summary().getOrDefault("grok_step", "not reached"));
            System.out.println("search:  dynalens search --archive " + dir + " 'task:mod-add AND test_loss:[0 TO 0.1]'");
            if (exit) return 0;
            System.out.println("serving " + url + "  (Ctrl-C to stop)");
            ServeCommand.awaitShutdown();
        }
        return 0;
    }

    private static double number(Object v) {
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
