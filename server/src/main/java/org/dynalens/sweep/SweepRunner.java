package org.dynalens.sweep;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.train.TrainingListener;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CompletableFuture;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a sweep's unfinished members on a bounded local pool. Members already done in the archive
 * ({@link SweepStore#isDone}) are skipped (only tagged), so a killed sweep re-run continues where it stopped:
 * unfinished runs resume from their last checkpoint.
 *
 * <p>With one worker the runs train in this process through {@link RunTrainer}, exactly as {@code dynalens train}
 * trains them (indexed live). With more, each run is a {@code dynalens train} child process (same code path, one
 * intra-op thread each): DJL allows only one gradient collector per process, so two runs cannot train on two threads
 * of one JVM. The children do not index; this process, the only index writer, indexes each run when its child exits.
 */
public final class SweepRunner {

    /** What happened to one member in this invocation. */
    public enum Status { ALREADY_DONE, TRAINED, FAILED }

    public record Outcome(String runId, Status status, Object grokStep, String error, double seconds) {
    }

    /** How a member is trained and reported: in process with a progress listener, or as a child process. */
    public interface Progress {
        /** A listener for a member trained in this process. */
        TrainingListener forRun(SweepSpec.Member m);

        /** A line a child process printed while training member {@code m}. */
        void childLine(SweepSpec.Member m, String line);
    }

    private SweepRunner() {
    }

    /**
     * @param index   the archive's index open for writing, or null (then {@code dynalens reindex} later)
     * @param workers number of runs trained at the same time
     * @return one outcome per member, in sweep order
     */
    public static List<Outcome> run(SweepSpec spec, Archive archive, RunIndex index, int workers, Progress progress) {
        if (workers < 1) throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        SweepStore.save(archive, spec);
        List<Outcome> outcomes = new ArrayList<>();
        List<Future<Outcome>> pending = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "sweep-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            for (SweepSpec.Member m : spec.members()) {
                if (SweepStore.isDone(archive, m.config())) {
                    RunArchive run = archive.run(m.runId());
                    tagAndIndex(run, spec.id(), index);
                    pending.add(CompletableFuture.completedFuture(new Outcome(m.runId(), Status.ALREADY_DONE,
                            run.info().summary().get("grok_step"), null, 0)));
                    continue;
                }
                pending.add(pool.submit(() -> workers == 1 ? trainHere(spec.id(), m, archive, index, progress)
                        : trainInChild(spec.id(), m, archive, index, progress)));
            }
            for (Future<Outcome> f : pending) {
                try {
                    outcomes.add(f.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the sweep", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            pool.shutdown(); // never shutdownNow: interrupting a thread in Lucene/NIO I/O breaks the index
        }
        return outcomes;
    }

    /** Adds the sweep to the run's summary and (re)indexes the run when that changed it. */
    static synchronized void tagAndIndex(RunArchive run, String sweepId, RunIndex index) {
        boolean untagged = SweepStore.tagged(run.info(), sweepId) != run.info();
        SweepStore.tag(run, sweepId);
        if (index != null && untagged) {
            index.indexRun(run);
            index.commit();
        }
    }

    static Outcome trainHere(String sweepId, SweepSpec.Member m, Archive archive, RunIndex index, Progress progress) {
        long t0 = System.nanoTime();
        try {
            RunArchive run = RunTrainer.train(m.config(), archive, index, progress.forRun(m), sweepId);
            return new Outcome(m.runId(), Status.TRAINED, run.info().summary().get("grok_step"), null, seconds(t0));
        } catch (RuntimeException e) {
            return new Outcome(m.runId(), Status.FAILED, null, e.getClass().getSimpleName() + ": " + e.getMessage(), seconds(t0));
        }
    }

    /** Trains the member with {@code dynalens train} in a child JVM; its output goes to {@code sweeps/ID.logs/RUN.log}. */
    static Outcome trainInChild(String sweepId, SweepSpec.Member m, Archive archive, RunIndex index, Progress progress) {
        long t0 = System.nanoTime();
        Path dir = archive.root().resolve("sweeps").resolve(sweepId + ".runs");
        Path config = dir.resolve(m.runId() + ".json");
        Path log = dir.resolve(m.runId() + ".log");
        String last = "";
        try {
            Files.createDirectories(dir);
            Files.writeString(config, m.config().toJson());
            Process p = new ProcessBuilder(ChildJvm.dynalens("train", "--archive", archive.root().toString(),
                    "--config", config.toString(), "--no-progress", "--no-index")).redirectErrorStream(true).start();
            try (BufferedReader r = p.inputReader(StandardCharsets.UTF_8);
                 BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null) {
                    w.write(line);
                    w.newLine();
                    w.flush();
                    if (!line.isBlank()) last = line;
                    progress.childLine(m, line);
                }
            }
            int code = p.waitFor();
            if (code != 0) {
                return new Outcome(m.runId(), Status.FAILED, null, "dynalens train exited with " + code + ": " + last
                        + " (log: " + log + ")", seconds(t0));
            }
            RunArchive run = archive.run(m.runId());
            tagAndIndex(run, sweepId, index);
            return new Outcome(m.runId(), Status.TRAINED, run.info().summary().get("grok_step"), null, seconds(t0));
        } catch (IOException | RuntimeException e) {
            return new Outcome(m.runId(), Status.FAILED, null, e.getClass().getSimpleName() + ": " + e.getMessage(), seconds(t0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(m.runId(), Status.FAILED, null, "interrupted", seconds(t0));
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
