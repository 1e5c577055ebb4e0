package org.dynalens.report;

import org.dynalens.archive.Archive;
import org.dynalens.archive.MetricSeries;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The per-group phase changes of a sequence run's report, on losses with drops at known steps. */
class SequenceRunReportTest {

    @TempDir
    Path tmp;

    @Test
    void eachLossGroupGetsItsOwnPhaseStep() throws Exception {
        Archive archive = Archive.open(tmp.resolve("archive"));
        RunArchive run = archive.createRun(new RunInfo("digits-1", "digit-add", 0, Instant.parse("2026-01-01T00:00:00Z"),
                Map.of("task", "digit-add"), Map.of(), Map.of("status", "finished")));
        MetricSeries metrics = new MetricSeries();
        for (long step = 0; step <= 1000; step += 10) {
            Map<String, Double> row = new LinkedHashMap<>();
            // units digit drops suddenly at step 300, tens digit at 700 (with one spike the median must ignore),
            // a third group never halves
            row.put("loss_digit_units", step < 300 ? 2.3 : 0.05);
            row.put("loss_digit_tens", step == 500 ? 0.01 : step < 700 ? 2.3 : 0.2);
            row.put("loss_digit_stuck", 2.3 - step * 1e-4);
            row.put("train_loss", 1.0);
            metrics.append(step, row);
        }
        run.writeMetrics(metrics);

        SequenceRunReport.write(run, tmp.resolve("report"));

        String html = Files.readString(tmp.resolve("report/index.html"));
        assertTrue(Files.size(tmp.resolve("report/loss-groups.png")) > 0);
        int units = html.indexOf("<td>loss_digit_units</td><td>300</td>");
        int tens = html.indexOf("<td>loss_digit_tens</td><td>700</td>");
        int stuck = html.indexOf("<td>loss_digit_stuck</td><td>none");
        assertTrue(units > 0 && tens > units && stuck > tens, html);
    }

    @Test
    void movingMedianIgnoresASingleSpike() {
        assertArrayEquals(new double[] {1, 1, 1, 1, 1}, SequenceRunReport.movingMedian(new double[] {1, 1, 9, 1, 1}, 5));
        assertArrayEquals(new double[] {1.5, 2, 3, 3.5}, SequenceRunReport.movingMedian(new double[] {1, 2, 3, 4}, 3));
    }
}
