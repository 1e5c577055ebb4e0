package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code dynalens report}: an HTML page with PNG plots for a trained run; bad input is one line and exit 2. */
class ReportCommandTest {

    @TempDir
    Path tmp;

    @Test
    void writesHtmlAndPlotsOfATrainedRun() throws Exception {
        String archive = tmp.resolve("archive").toString();
        CliTest.Result train = CliTest.run("train", "--archive", archive, "--p", "23", "--frac", "0.6", "--steps", "300",
                "--checkpoint-every", "100", "--seed", "0", "--no-progress");
        assertEquals(0, train.code(), train.err());
        String id = Archive.open(Path.of(archive)).runIds().get(0);
        Path out = tmp.resolve("report");

        CliTest.Result report = CliTest.run("report", "--archive", archive, id, "--out", out.toString());
        assertEquals(0, report.code(), report.err());
        assertTrue(report.out().startsWith("wrote " + out.resolve("index.html")), report.out());

        String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("<h1>Run " + id + "</h1>"), html);
        assertTrue(html.contains("grok step"), html);
        for (String png : new String[] {"loss.png", "accuracy.png", "restricted-excluded-loss.png", "sum-sq-weights.png",
                "gini.png", "num-key-freqs.png", "key-freqs-over-time.png", "spectrum-W_E-step-0.png",
                "spectrum-W_E-step-300.png", "weights-pca.png"}) {
            assertTrue(html.contains("src=\"" + png + "\""), png + " referenced");
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(img, png + " is a PNG");
            assertTrue(img.getWidth() >= 400 && img.getHeight() >= 200, png);
        }
    }

    @Test
    void sequenceRunsGetTheInductionReport() throws Exception {
        String archive = tmp.resolve("archive").toString();
        CliTest.Result train = CliTest.run("train", "--archive", archive, "--task", "repeated-tokens", "--n-ctx", "12",
                "--vocab", "16", "--d-model", "32", "--batch-size", "16", "--steps", "40", "--checkpoint-every", "20",
                "--eval-every", "10", "--no-progress");
        assertEquals(0, train.code(), train.err());
        String id = Archive.open(Path.of(archive)).runIds().get(0);
        Path out = tmp.resolve("report");

        CliTest.Result report = CliTest.run("report", "--archive", archive, id, "--out", out.toString());
        assertEquals(0, report.code(), report.err());
        assertTrue(report.out().startsWith("wrote " + out.resolve("index.html")), report.out());
        assertTrue(report.out().contains("induction phase step: not found"), "40 steps are too few: " + report.out());

        String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("<h1>Run " + id + "</h1>") && html.contains("induction phase step"), html);
        assertTrue(html.contains("Head roles over training"), html);
        double uniform = 0; // uniform causal attention on the probe (n_ctx 12): mean over q in [6, 12) of 1/(q+1)
        for (int q = 6; q < 12; q++) uniform += 1.0 / (q + 1) / 6;
        assertTrue(html.contains(String.format(java.util.Locale.ROOT, "Uniform causal attention scores %.4f", uniform)),
                "the induction plot names its chance level: " + html);
        for (String png : new String[] {"loss.png", "induction-score.png", "previous-token-score.png",
                "copying-score.png", "icl-score.png", "loss-by-position.png", "task-repeat-induction-score.png",
                "task-repeat-loss.png", "k-composition.png"}) {
            assertTrue(html.contains("src=\"" + png + "\""), png + " referenced");
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(img, png + " is a PNG");
            assertTrue(img.getWidth() >= 400 && img.getHeight() >= 200, png);
        }
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        String archive = tmp.resolve("archive").toString();
        CliTest.Result unknown = CliTest.run("report", "--archive", archive, "no-such-run");
        assertOneLineError(unknown);
        assertTrue(unknown.err().contains("no-such-run"), unknown.err());

        Archive.open(Path.of(archive)).createRun(new RunInfo("bare", "mod-add", 0, Instant.EPOCH, Map.of(), Map.of(),
                Map.of("status", "finished")));
        CliTest.Result bare = CliTest.run("report", "--archive", archive, "bare", "--out", tmp.resolve("r").toString());
        assertOneLineError(bare);
        assertTrue(bare.err().contains("has no progress measures"), bare.err());
        assertFalse(Files.exists(tmp.resolve("r")), "nothing written for a run without measures");
    }

    private static void assertOneLineError(CliTest.Result r) {
        assertEquals(Main.BAD_INPUT, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("error: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
