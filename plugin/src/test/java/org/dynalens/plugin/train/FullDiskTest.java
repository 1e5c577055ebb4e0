package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A full disk (issue 10): training into an archive on a small tmpfs that a ballast file has almost filled. The
 * checkpoint write that runs out of space fails with one clear line, every checkpoint written before it stays
 * readable, no temporary file is left behind; once the ballast is deleted the same command resumes and finishes,
 * bitwise identically to a run that never saw a full disk.
 *
 * <p>Needs {@code mount -t tmpfs} (root, or a container that allows it). Skipped where mounting is not permitted,
 * except under {@code CI=true}, where it must run.
 */
class FullDiskTest {

    /** A tiny grokking model: ~10k parameters, a checkpoint of ~130 KB with its Adam state. */
    private static final RunConfig CFG = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.5, "seed", 5,
            "steps", 120, "checkpoint_every", 10, "eval_every", 10, "d_model", 32, "n_heads", 2, "d_head", 16,
            "d_mlp", 64));
    /** Room left beside the ballast: a few checkpoints, far from all of them. */
    private static final long HEADROOM = 600_000;

    @TempDir
    Path tmp;
    private Path mountPoint;

    @AfterEach
    void unmount() throws Exception {
        if (mountPoint != null) run("umount", "-l", mountPoint.toString());
    }

    @Test
    void aFullDiskFailsTheWriteCleanlyAndTheRunResumesOnceThereIsSpace() throws Exception {
        Path disk = Files.createDirectory(tmp.resolve("disk"));
        int rc = run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.toString());
        if (rc != 0) {
            assertNotEquals("true", System.getenv("CI"), "CI must be able to mount a tmpfs for the full-disk test");
            Assumptions.abort("cannot mount a tmpfs here (not root?); full-disk test skipped");
        }
        mountPoint = disk;
        Path ballast = disk.resolve("ballast");
        long usable = Files.getFileStore(disk).getUsableSpace();
        Files.write(ballast, new byte[(int) (usable - HEADROOM)]);

        Archive archive = Archive.open(disk.resolve("archive"));
        ArchiveException full = assertThrows(ArchiveException.class,
                () -> TrainingRun.train(CFG, archive, new TrainingListener() {
                }, List.of()));
        String message = full.getMessage();
        System.out.println("full disk: " + message);
        assertFalse(message.contains("\n"), "one line: " + message);
        assertTrue(message.startsWith("could not write "), message);
        assertTrue(message.contains("No space left on device"), message);

        RunArchive run = archive.run(CFG.resolvedRunId());
        List<Long> kept = run.checkpointSteps();
        assertFalse(kept.isEmpty(), "some checkpoints fitted before the disk filled up");
        assertTrue(kept.get(kept.size() - 1) < CFG.steps(), "the run stopped before its end: " + kept);
        for (long step : kept) assertFalse(run.readCheckpoint(step).params().isEmpty(), "checkpoint " + step + " readable");
        assertEquals(List.of(), temporaryFiles(disk), "no temporary files left behind");
        run.info(); // run.h5 still readable
        run.readMetrics();

        Files.delete(ballast); // the user frees space; the same command resumes
        RunArchive resumed = TrainingRun.train(CFG, archive, new TrainingListener() {
        }, List.of());
        assertEquals("finished", resumed.info().summary().get("status"));
        assertEquals(CFG.steps(), resumed.lastCheckpointStep().orElseThrow());
        assertEquals(List.of(), temporaryFiles(disk));

        RunArchive straight = TrainingRun.train(CFG, Archive.open(tmp.resolve("straight")), new TrainingListener() {
        }, List.of());
        MetricSeries a = straight.readMetrics(), b = resumed.readMetrics();
        assertArrayEquals(a.steps(), b.steps());
        assertArrayEquals(a.values("train_loss"), b.values("train_loss"), "bitwise identical to a run without a full disk");
        assertEquals(straight.readCheckpoint(CFG.steps()).tensors(), resumed.readCheckpoint(CFG.steps()).tensors());
    }

    private static List<Path> temporaryFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().contains(".tmp-")).toList();
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        if (p.exitValue() != 0) System.out.println(String.join(" ", cmd) + ": " + out.strip());
        return p.exitValue();
    }
}
