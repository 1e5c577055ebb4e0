package org.dynalens.archive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RunArchiveTest {

    @TempDir
    Path tmp;

    private static RunInfo info(String id) {
        return new RunInfo(id, "mod-add", 7, Instant.parse("2026-01-02T03:04:05Z"),
                Map.of("p", 113, "lr", 1e-3, "task", "mod-add"), Map.of("trainer", "test"), Map.of("status", "running"));
    }

    private static float[] ramp(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = i * 0.5f - 3;
        return f;
    }

    @Test
    void runInfoRoundTrips() {
        Archive archive = Archive.open(tmp.resolve("a"));
        RunArchive run = archive.createRun(info("run-1"));
        RunInfo back = run.info();
        assertEquals("run-1", back.id());
        assertEquals("mod-add", back.task());
        assertEquals(7, back.seed());
        assertEquals(113, ((Number) back.config().get("p")).intValue());
        assertEquals(1e-3, ((Number) back.config().get("lr")).doubleValue());
        assertEquals("running", back.summary().get("status"));
        assertEquals(List.of("run-1"), archive.runIds());

        run.writeInfo(back.withSummary(Map.of("status", "finished", "last_step", 100)));
        assertEquals("finished", run.info().summary().get("status"));
        assertThrows(ArchiveException.class, () -> archive.createRun(info("run-1")));
    }

    @Test
    void checkpointRoundTripsExactly() {
        RunArchive run = Archive.open(tmp).createRun(info("r"));
        Tensor we = Tensor.of(ramp(6 * 4), 6, 4);
        Tensor wq = Tensor.of(ramp(2 * 4 * 3), 2, 4, 3);
        Tensor keys = Tensor.vector(new int[] {14, 35, 41});
        Checkpoint c = new Checkpoint(100, Map.of("params/embed.W_E", we, "params/blocks.0.attn.W_Q", wq,
                "optim/step", Tensor.of(new long[] {100}), "analysis/key_freqs", keys),
                Map.of("train_loss", 0.25, "test_loss", 4.5));
        run.writeCheckpoint(c);
        run.writeCheckpoint(new Checkpoint(0, Map.of("params/embed.W_E", we), Map.of()));

        assertEquals(List.of(0L, 100L), run.checkpointSteps());
        Checkpoint back = run.readCheckpoint(100);
        assertEquals(100, back.step());
        assertEquals(we, back.params().get("embed.W_E"));
        assertEquals(wq, back.params().get("blocks.0.attn.W_Q"));
        assertEquals(keys, back.tensors().get("analysis/key_freqs"));
        assertEquals(100L, ((long[]) back.tensors().get("optim/step").data())[0]);
        assertEquals(0.25, back.metrics().get("train_loss"));
        assertEquals(Map.of("train_loss", 0.25, "test_loss", 4.5), run.readCheckpointMetrics(100));

        Tensor slice = run.readSlice(100, "params/blocks.0.attn.W_Q", new long[] {1, 2, 0}, new int[] {1, 2, 3});
        float[] all = ramp(24);
        assertArrayEquals(new float[] {all[18], all[19], all[20], all[21], all[22], all[23]}, slice.floats());
        assertEquals(4, run.listTensors(100).size());
    }

    @Test
    void missingAndCorruptCheckpointsGiveClearErrors() throws Exception {
        RunArchive run = Archive.open(tmp).createRun(info("r"));
        ArchiveException missing = assertThrows(ArchiveException.NotFound.class, () -> run.readCheckpoint(5));
        assertTrue(missing.getMessage().contains("no checkpoint at step 5"), missing.getMessage());

        run.writeCheckpoint(new Checkpoint(10, Map.of("params/x", Tensor.of(ramp(4), 4)), Map.of()));
        Path file = run.checkpointPath(10);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 3));
        ArchiveException corrupt = assertThrows(ArchiveException.Unreadable.class, () -> run.readCheckpoint(10));
        assertFalse(corrupt.getMessage().contains("\n"));

        assertThrows(ArchiveException.NotFound.class, () -> run.readTensor(10, "../../etc/passwd"));
    }

    @Test
    void interruptedWritesLeaveNoVisibleCheckpoint() throws Exception {
        RunArchive run = Archive.open(tmp).createRun(info("r"));
        Files.createDirectories(run.checkpointPath(0).getParent());
        Files.write(run.checkpointPath(0).resolveSibling(".step-00000200.h5.tmp-123"), new byte[] {1, 2, 3});
        assertEquals(List.of(), run.checkpointSteps());
        assertEquals(1, run.removeInterruptedWrites());
        try (var left = Files.list(run.checkpointPath(0).getParent())) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void metricSeriesRoundTrips() {
        RunArchive run = Archive.open(tmp).createRun(info("r"));
        assertEquals(0, run.readMetrics().size());
        MetricSeries s = new MetricSeries();
        for (int i = 0; i < 50; i++) s.append(i * 10L, Map.of("train_loss", 1.0 / (i + 1), "test_loss", 2.0));
        run.writeMetrics(s);
        MetricSeries back = run.readMetrics();
        assertArrayEquals(s.steps(), back.steps());
        assertArrayEquals(s.values("train_loss"), back.values("train_loss"));
        back.truncateAfter(100);
        assertEquals(11, back.size());
    }

    @Test
    void archivePathThatIsAFileIsRejected() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        ArchiveException e = assertThrows(ArchiveException.class, () -> Archive.open(file));
        assertTrue(e.getMessage().contains("is a file"));
    }

    @Test
    void unsafeRunIdsAreRefused() {
        Archive a = Archive.open(tmp);
        assertThrows(ArchiveException.NotFound.class, () -> a.run("../x"));
        assertThrows(ArchiveException.NotFound.class, () -> a.run("nope"));
    }
}
