package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code dynalens analyze}: measures recomputed with the final key frequencies, stored, and searchable. */
class AnalyzeCommandTest {

    @TempDir
    Path tmp;

    @Test
    void analyzeRewritesMeasuresAndMakesThemSearchable() {
        String archive = tmp.resolve("archive").toString();
        CliTest.Result train = CliTest.run("train", "--archive", archive, "--p", "23", "--frac", "0.6", "--steps", "300",
                "--checkpoint-every", "100", "--seed", "0", "--no-progress");
        assertEquals(0, train.code(), train.err());
        String id = Archive.open(Path.of(archive)).runIds().get(0);
        RunArchive run = Archive.open(Path.of(archive)).run(id);

        // measures are there from training already, indexed per checkpoint
        assertEquals(4, run.readMeasures().size());
        CliTest.Result during = CliTest.run("search", "--archive", archive, "restricted_loss:[0 TO 1000]");
        assertTrue(during.out().contains(id), during.out() + during.err());

        CliTest.Result analyze = CliTest.run("analyze", "--archive", archive, id);
        assertEquals(0, analyze.code(), analyze.err());
        assertTrue(analyze.out().contains("4 checkpoint(s) analysed with the key frequencies"), analyze.out());
        assertTrue(analyze.out().contains("reindexed run " + id), analyze.out());

        int[] finalKey = run.readTensor(300, "analysis/key_freqs").ints();
        assertEquals(List.of(finalKey.length), List.of(((List<?>) run.info().summary().get("final_key_freqs")).size()));
        for (long step : run.checkpointSteps()) {
            assertArrayEquals(finalKey, run.readTensor(step, "analysis/loss_key_freqs").ints(), "step " + step);
        }
        assertEquals("final", run.info().summary().get("loss_key_freqs_from"));
        if (finalKey.length > 0) {
            CliTest.Result byFreq = CliTest.run("search", "--archive", archive, "key_freqs:" + finalKey[0]);
            assertTrue(byFreq.out().contains(id), byFreq.out() + byFreq.err());
        }
    }

    @Test
    void llcIsAnOptInMeasureOfEveryCheckpoint() {
        String archive = tmp.resolve("archive").toString();
        CliTest.Result train = CliTest.run("train", "--archive", archive, "--p", "23", "--frac", "0.6", "--steps", "200",
                "--checkpoint-every", "100", "--seed", "0", "--d-model", "32", "--heads", "2", "--d-head", "16",
                "--no-progress");
        assertEquals(0, train.code(), train.err());
        String id = Archive.open(Path.of(archive)).runIds().get(0);
        RunArchive run = Archive.open(Path.of(archive)).run(id);
        assertFalse(run.readMeasures().names().contains("llc"), "not computed while training");

        CliTest.Result analyze = CliTest.run("analyze", "--archive", archive, id, "--llc", "--llc-chains", "1",
                "--llc-draws", "10");
        assertEquals(0, analyze.code(), analyze.err());
        double[] llc = run.readMeasures().values("llc");
        assertEquals(3, llc.length);
        for (double v : llc) assertTrue(Double.isFinite(v), java.util.Arrays.toString(llc));
        assertTrue(llc[2] > 0, java.util.Arrays.toString(llc));
        assertEquals(llc[2], run.readTensor(200, "analysis/llc").doubles()[0]);
        CliTest.Result search = CliTest.run("search", "--archive", archive, "llc:[0 TO 1000000]");
        assertTrue(search.out().contains(id), search.out() + search.err());

        CliTest.Result bad = CliTest.run("analyze", "--archive", archive, id, "--llc", "--llc-epsilon", "-1");
        assertEquals(Main.BAD_INPUT, bad.code(), bad.out() + bad.err());
        assertTrue(bad.err().contains("epsilon"), bad.err());
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        String archive = tmp.resolve("archive").toString();
        CliTest.Result unknown = CliTest.run("analyze", "--archive", archive, "no-such-run");
        assertEquals(Main.BAD_INPUT, unknown.code());
        assertTrue(unknown.err().startsWith("error: "), unknown.err());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
        CliTest.Result missing = CliTest.run("analyze", "--archive", archive);
        assertEquals(Main.BAD_INPUT, missing.code());
    }
}
