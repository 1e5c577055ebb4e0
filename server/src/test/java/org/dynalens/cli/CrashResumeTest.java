package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kills {@code dynalens train} with SIGKILL at random moments (JVM start-up, mid-step, mid-checkpoint-write) and
 * checks after every kill that the archive is readable, and at the end that the index rebuilds and the resumed run
 * is bitwise identical to an uninterrupted one. CI runs 5 kills; {@code -Dcrash.kills=20} runs the full harness.
 */
class CrashResumeTest {

    private static final int KILLS = Integer.getInteger("crash.kills", 5);
    private static final int STEPS = 500;
    private static final String[] TRAIN_ARGS = {"--p", "23", "--frac", "0.5", "--steps", "" + STEPS, "--checkpoint-every", "10",
            "--eval-every", "5", "--seed", "7", "--no-progress"};

    @TempDir
    Path tmp;

    private Process startTraining(Path archive) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=error", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train", "--archive", archive.toString()));
        cmd.addAll(List.of(TRAIN_ARGS));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("train.log").toFile()).start();
    }

    @Test
    void killedAtRandomMomentsThenResumedIsBitwiseIdentical() throws Exception {
        Path archive = tmp.resolve("archive");
        Random rng = new Random(2026);
        int killedWhileWriting = 0;
        for (int k = 0; k < KILLS; k++) {
            Process p = startTraining(archive);
            if (k % 2 == 1) {
                waitForAWriteInProgress(archive, p); // aim this kill at a checkpoint being written
            } else {
                // A random moment, but never past this kill's share of the run: a faster machine must not let the
                // run finish before the last kill.
                waitForRandomMomentBefore(p, 2500 + rng.nextInt(6000), STEPS * (k + 1) / (KILLS + 1));
            }
            if (!p.isAlive()) {
                fail("training finished before kill " + k + "; lengthen the run: " + Files.readString(tmp.resolve("train.log")));
            }
            p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
            System.out.printf("kill %d after logged step %d%n", k, lastLoggedStep(tmp.resolve("train.log")));
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            if (hasTemporaryFiles(archive)) killedWhileWriting++;
            assertArchiveReadable(archive);
        }
        Process last = startTraining(archive);
        assertTrue(last.waitFor(300, TimeUnit.SECONDS), "final resume finishes");
        assertEquals(0, last.exitValue(), Files.readString(tmp.resolve("train.log")));

        RunConfig cfg = new TrainCommand().parse(TRAIN_ARGS);
        RunArchive resumed = Archive.open(archive).run(cfg.resolvedRunId());
        RunArchive straight = TrainingRun.train(cfg, Archive.open(tmp.resolve("straight")), new TrainingListener() {
        });
        MetricSeries a = straight.readMetrics(), b = resumed.readMetrics();
        assertArrayEquals(a.steps(), b.steps());
        for (String m : List.of("train_loss", "test_loss", "test_acc", "sum_sq_weights")) {
            assertArrayEquals(a.values(m), b.values(m), m + " bitwise identical after " + KILLS + " kills");
        }
        assertEquals(straight.readCheckpoint(500).tensors(), resumed.readCheckpoint(500).tensors());
        assertEquals(straight.checkpointSteps(), resumed.checkpointSteps());

        org.apache.lucene.util.IOUtils.rm(archive.resolve("index"));
        assertEquals(0, CliTest.run("reindex", "--archive", archive.toString()).code());
        assertTrue(CliTest.run("search", "--archive", archive.toString(), "p:23 AND status:finished").out()
                .contains(cfg.resolvedRunId()));
        System.out.printf("crash harness: %d SIGKILLs (%d left a temporary file, i.e. hit a write), resumed bitwise identically%n",
                KILLS, killedWhileWriting);
    }

    /**
     * Waits {@code millis}, or until the training log reports a step at or past {@code stepCap}, whichever comes first
     * (or until the process exits, which the caller reports).
     */
    private void waitForRandomMomentBefore(Process p, long millis, long stepCap) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (lastLoggedStep(tmp.resolve("train.log")) >= stepCap) return;
            p.waitFor(20, TimeUnit.MILLISECONDS);
        }
    }

    /** The last "step N ..." line the training process printed, or -1. */
    private static long lastLoggedStep(Path log) throws IOException {
        long last = -1;
        for (String line : Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("step ")) {
                String[] parts = line.split("\\s+");
                if (parts.length > 1 && parts[1].chars().allMatch(Character::isDigit) && !parts[1].isEmpty()) {
                    last = Long.parseLong(parts[1]);
                }
            }
        }
        return last;
    }

    /** Spins until a temporary file appears in the archive (an atomic write has begun), or 30 s pass. */
    private static void waitForAWriteInProgress(Path archive, Process p) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (hasTemporaryFiles(archive)) return;
        }
    }

    private static boolean hasTemporaryFiles(Path archive) throws IOException {
        if (!Files.exists(archive)) return false;
        try (Stream<Path> files = Files.walk(archive)) {
            return files.anyMatch(f -> f.getFileName().toString().contains(".tmp-"));
        } catch (java.io.UncheckedIOException e) {
            return true; // a file vanished while walking: the writer renamed it just now, so a write was in progress
        }
    }

    private static void assertArchiveReadable(Path root) {
        if (!Files.exists(root.resolve("runs"))) return; // killed before the run was created
        Archive archive = Archive.open(root);
        for (String id : archive.runIds()) {
            RunArchive run = archive.run(id);
            run.info();
            run.readMetrics();
            for (long step : run.checkpointSteps()) {
                try {
                    assertFalse(run.readCheckpoint(step).params().isEmpty());
                } catch (ArchiveException e) {
                    fail("checkpoint " + step + " unreadable after a kill: " + e.getMessage());
                }
            }
        }
    }
}
