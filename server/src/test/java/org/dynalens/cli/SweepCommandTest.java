package org.dynalens.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.sweep.SweepSpec;
import org.dynalens.sweep.SweepStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code dynalens sweep} and {@code dynalens sweep-report} end to end, in process: five seeds of a small grokking
 * config, one of them already finished by {@code train} and one half-trained (a sweep killed part-way), then the same
 * sweep again (nothing to do), then the path-dependence report.
 */
class SweepCommandTest {

    @TempDir
    Path tmp;

    static final String[] SMALL = {"--task", "mod-add", "--p", "13", "--frac", "0.6", "--checkpoint-every", "50",
            "--eval-every", "10", "--d-model", "64", "--d-head", "16"};

    private Path sweepFile(Map<String, Object> content) throws Exception {
        Path f = tmp.resolve("sweep-" + content.hashCode() + ".json");
        new ObjectMapper().writeValue(f.toFile(), content);
        return f;
    }

    private static String[] train(String archive, long seed, int steps) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--archive", archive, "--seed", Long.toString(seed),
                "--steps", Integer.toString(steps), "--no-progress"));
        args.addAll(List.of(SMALL));
        return args.toArray(String[]::new);
    }

    @Test
    void fiveSeedsEndToEndResumableWithPathDependenceReport() throws Exception {
        String archive = tmp.resolve("archive").toString();
        Path file = sweepFile(Map.of("sweep_id", "seeds5", "task", "mod-add", "p", 13, "train_fraction", 0.6,
                "steps", 200, "checkpoint_every", 50, "eval_every", 10, "d_model", 64, "d_head", 16, "grid", Map.of("seed", List.of(0, 1, 2, 3, 4))));
        SweepSpec spec = SweepSpec.read(file);
        assertEquals(5, spec.members().size());

        // a sweep killed part-way: seed 0 finished (by a one-run sweep trained in this process), seed 1 stopped after
        // its checkpoint of step 100 (by `train`)
        Path one = sweepFile(Map.of("sweep_id", "first", "task", "mod-add", "p", 13, "train_fraction", 0.6,
                "steps", 200, "checkpoint_every", 50, "eval_every", 10, "d_model", 64, "d_head", 16,
                "runs", List.of(Map.of("seed", 0))));
        CliTest.Result first = CliTest.run("sweep", "--archive", archive, "--config", one.toString(), "--no-progress");
        assertEquals(0, first.code(), first.out() + first.err());
        assertTrue(first.out().contains("training " + spec.members().get(0).runId() + " from step 0"), first.out());
        assertEquals(0, CliTest.run(train(archive, 1, 100)).code());
        Archive a = Archive.open(Path.of(archive));
        assertEquals(spec.members().get(0).runId(), a.runIds().stream().filter(id -> id.contains("-s0-")).findFirst().orElseThrow(),
                "sweep members have the ids `train` derives");
        FileTime seed0Final = Files.getLastModifiedTime(a.run(spec.members().get(0).runId()).checkpointPath(200));
        FileTime seed1First = Files.getLastModifiedTime(a.run(spec.members().get(1).runId()).checkpointPath(0));

        long t0 = System.nanoTime();
        CliTest.Result sweep = CliTest.run("sweep", "--archive", archive, "--config", file.toString(), "--workers", "2",
                "--no-progress");
        System.out.printf("sweep of 5 seeds (1 done, 1 half done), 2 workers: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(0, sweep.code(), sweep.out() + sweep.err());
        assertTrue(sweep.out().contains("5 run(s), 1 already done"), sweep.out());
        assertTrue(sweep.out().contains("resuming " + spec.members().get(1).runId() + " from step 100"), sweep.out());
        assertFalse(sweep.out().contains("training " + spec.members().get(0).runId()), "the finished run is not redone");
        for (int i = 2; i < 5; i++) assertTrue(sweep.out().contains("training " + spec.members().get(i).runId() + " from step 0"));
        assertTrue(sweep.out().contains("all 5 run(s) done"), sweep.out());
        assertEquals(seed0Final, Files.getLastModifiedTime(a.run(spec.members().get(0).runId()).checkpointPath(200)));
        assertEquals(seed1First, Files.getLastModifiedTime(a.run(spec.members().get(1).runId()).checkpointPath(0)),
                "the half-done run resumed: its early checkpoints were not rewritten");
        for (SweepSpec.Member m : spec.members()) {
            RunArchive run = a.run(m.runId());
            assertEquals(List.of(0L, 50L, 100L, 150L, 200L), run.checkpointSteps());
            assertEquals("finished", run.info().summary().get("status"));
            assertEquals(m == spec.members().get(0) ? List.of("first", "seeds5") : List.of("seeds5"),
                    run.info().summary().get(SweepStore.SUMMARY_KEY), "a run may belong to several sweeps");
        }
        assertEquals(SweepStore.memberIds(SweepStore.read(a, "seeds5")), spec.runIds(), "sweep metadata in the archive");

        CliTest.Result search = CliTest.run("search", "--archive", archive, "sweep:seeds5");
        assertEquals(0, search.code(), search.err());
        assertTrue(search.out().contains("5 run(s) match"), search.out());

        // the same sweep again: everything is done, nothing is trained or rewritten
        FileTime seed3Final = Files.getLastModifiedTime(a.run(spec.members().get(3).runId()).checkpointPath(200));
        CliTest.Result again = CliTest.run("sweep", "--archive", archive, "--config", file.toString(), "--no-progress");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("5 run(s), 5 already done"), again.out());
        assertFalse(again.out().contains("training ") || again.out().contains("resuming "), again.out());
        assertEquals(seed3Final, Files.getLastModifiedTime(a.run(spec.members().get(3).runId()).checkpointPath(200)));

        Path out = tmp.resolve("report");
        CliTest.Result report = CliTest.run("sweep-report", "seeds5", "--archive", archive, "--out", out.toString());
        assertEquals(0, report.code(), report.out() + report.err());
        List<String> runsCsv = Files.readAllLines(out.resolve("runs.csv"));
        assertEquals(1 + 5, runsCsv.size(), "one row per seed: " + runsCsv);
        List<String> freqCsv = Files.readAllLines(out.resolve("key-freqs.csv"));
        assertEquals(1 + 5, freqCsv.size(), "one row per seed in the frequency table: " + freqCsv);
        List<String> pairsCsv = Files.readAllLines(out.resolve("pairs.csv"));
        assertEquals(1 + 10, pairsCsv.size(), "every pair of seeds: " + pairsCsv);
        Map<?, ?> json = new ObjectMapper().readValue(out.resolve("path-dependence.json").toFile(), Map.class);
        assertEquals(5, ((List<?>) json.get("runs")).size());
        for (Object o : (List<?>) json.get("pairs")) {
            Map<?, ?> p = (Map<?, ?>) o;
            double cka = ((Number) p.get("logit_cka")).doubleValue();
            assertTrue(cka > 0 && cka <= 1 + 1e-9, "logit CKA in (0, 1]: " + p);
            assertEquals(4, ((List<?>) ((Map<?, ?>) ((List<?>) p.get("head_matching")).get(0)).get("matching")).size());
        }
        String html = Files.readString(out.resolve("index.html"));
        for (String png : List.of("test-loss.png", "grok-steps.png", "key-freqs.png")) {
            assertTrue(Files.size(out.resolve(png)) > 1000 && html.contains(png), png);
        }
        // the Markdown copy of the tables: one row per seed and per pair, every plot linked
        List<String> md = Files.readAllLines(out.resolve("README.md"));
        assertEquals(5, md.stream().filter(l -> l.matches("\\| \\S+-s\\d-\\w+ \\| \\d+ \\|.*")).count(), "run rows: " + md);
        assertEquals(5, md.stream().filter(l -> l.startsWith("| seed ")).count(), "frequency table rows: " + md);
        assertEquals(10, md.stream().filter(l -> l.matches("\\| \\S+ \\| \\S+ \\| [0-9.]+ \\|.*")).count(), "pair rows: " + md);
        for (String png : List.of("test-loss.png", "grok-steps.png", "key-freqs.png")) {
            assertTrue(md.contains("![" + png + "](" + png + ")"), png);
        }
        System.out.println(String.join("\n", runsCsv));
        System.out.println(String.join("\n", pairsCsv.subList(0, 3)));
    }

    @Test
    void badSweepFilesAreOneLineErrors() throws Exception {
        String archive = tmp.resolve("archive").toString();
        List<Map<String, Object>> bad = List.of(
                Map.of("p", 13),                                           // no grid or runs
                Map.of("grid", Map.of("seed", List.of())),                 // empty values
                Map.of("grid", Map.of("seeds", List.of(1, 2))),            // unknown key
                Map.of("grid", Map.of("lr", List.of(-1))),                 // invalid value
                Map.of("runs", List.of(Map.of("seed", 1), Map.of("seed", 1))), // the same run twice
                Map.of("grid", List.of(1)),                                // not an object
                Map.of("sweep_id", "../x", "grid", Map.of("seed", List.of(1))));
        for (Map<String, Object> content : bad) {
            CliTest.Result r = CliTest.run("sweep", "--archive", archive, "--config", sweepFile(content).toString());
            assertEquals(2, r.code(), content + ": " + r.out() + r.err());
            assertTrue(r.err().startsWith("error: ") && r.err().strip().lines().count() == 1, content + ": " + r.err());
        }
        Path broken = tmp.resolve("broken.json");
        Files.writeString(broken, "{\"grid\": ");
        CliTest.Result r = CliTest.run("sweep", "--archive", archive, "--config", broken.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        CliTest.Result missing = CliTest.run("sweep-report", "nope", "--archive", archive);
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no sweep 'nope'"), missing.err());
        CliTest.Result workers = CliTest.run("sweep", "--archive", archive, "--config", broken.toString(), "--workers", "0");
        assertEquals(2, workers.code());
    }
}
