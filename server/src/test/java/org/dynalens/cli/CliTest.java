package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The command line end to end, in process: real training, archive, index and search. */
class CliTest {

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private String archive() {
        return tmp.resolve("archive").toString();
    }

    @Test
    void trainThenSearchThenInspectThenResume() {
        Result train = run("train", "--archive", archive(), "--task", "mod-add", "--p", "23", "--frac", "0.5",
                "--steps", "40", "--checkpoint-every", "20", "--seed", "1", "--no-progress");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("step 40"), train.out());

        Archive a = Archive.open(Path.of(archive()));
        assertEquals(1, a.runIds().size());
        String id = a.runIds().get(0);
        RunArchive run = a.run(id);
        assertEquals(List.of(0L, 20L, 40L), run.checkpointSteps());

        Result search = run("search", "--archive", archive(), "task:mod-add AND p:23 AND lr:[1e-4 TO 1e-2]");
        assertEquals(0, search.code(), search.err());
        assertTrue(search.out().contains(id), search.out());
        assertTrue(search.out().contains("1 run(s) match"), search.out());
        Result none = run("search", "--archive", archive(), "task:mod-add AND p:[100 TO 200]");
        assertTrue(none.out().contains("0 run(s) match"), none.out());
        Result lifted = run("search", "--archive", archive(), "--facets", "task,seed,p", "--sort", "-test_loss",
                "has_checkpoint:(step:20 AND test_loss:[0 TO 1e3])");
        assertEquals(0, lifted.code(), lifted.err());
        assertTrue(lifted.out().contains(id), lifted.out());
        assertTrue(lifted.out().contains("task: mod-add=1"), lifted.out());
        assertTrue(lifted.out().contains("seed: 1=1"), lifted.out());
        assertTrue(lifted.out().contains("p: 23=1"), lifted.out());
        Result page1 = run("search", "--archive", archive(), "--page", "1", "--limit", "1", "");
        assertTrue(page1.out().contains("1 run(s) match"), page1.out());
        assertFalse(page1.out().contains(id), "the second page of one run is empty: " + page1.out());

        Result inspect = run("inspect", "--archive", archive(), id, "--step", "20");
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains("params/embed.W_E"), inspect.out());
        assertTrue(inspect.out().contains("[24, 128]"), inspect.out());

        Result more = run("train", "--archive", archive(), "--task", "mod-add", "--p", "23", "--frac", "0.5",
                "--steps", "60", "--checkpoint-every", "20", "--seed", "1", "--no-progress");
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("resuming " + id + " from step 40"), more.out());
        assertEquals(List.of(0L, 20L, 40L, 60L), run.checkpointSteps());
    }

    @Test
    void reindexRebuildsADeletedIndex() throws Exception {
        assertEquals(0, run("train", "--archive", archive(), "--p", "23", "--frac", "0.5", "--steps", "5",
                "--no-progress").code());
        org.apache.lucene.util.IOUtils.rm(Path.of(archive(), "index"));
        Result reindex = run("reindex", "--archive", archive());
        assertEquals(0, reindex.code(), reindex.err());
        assertTrue(reindex.out().contains("indexed 1 run(s)"), reindex.out());
        assertTrue(run("search", "--archive", archive(), "p:23").out().contains("1 run(s) match"));
    }

    @Test
    void badInputGetsOneLineAndExitCode2() throws Exception {
        assertBadInput(run("train", "--archive", archive(), "--task", "mod-nope", "--steps", "1"), "unknown task 'mod-nope'");
        assertBadInput(run("train", "--archive", archive(), "--p", "100", "--steps", "1"), "p must be a prime");
        assertBadInput(run("train", "--archive", archive(), "--steps", "-5"), "steps must be >= 0");
        assertBadInput(run("train", "--archive", archive(), "--steps", "many"), "'many' is not an int");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertBadInput(run("train", "--archive", file.toString(), "--p", "23", "--steps", "1"), "is a file");
        assertBadInput(run("train", "--config", tmp.resolve("missing.json").toString()), "cannot read config");
        assertBadInput(run("search", "--archive", archive(), "test_loss:[0 TO"), "position");
        assertBadInput(run("search", "--archive", archive(), "has_checkpoint:(step:1"), "position 15");
        assertBadInput(run("search", "--archive", archive(), "--facets", "nope", ""), "cannot count facet 'nope'");
        assertBadInput(run("search", "--archive", archive(), "--page", "-1", ""), "--page must be >= 0");
        assertBadInput(run("inspect", "--archive", archive(), "no-such-run"), "no run 'no-such-run'");
        assertBadInput(run("frobnicate"), "Unmatched argument");

        // a corrupt checkpoint file
        assertEquals(0, run("train", "--archive", archive(), "--p", "23", "--frac", "0.5", "--steps", "10",
                "--checkpoint-every", "5", "--no-progress").code());
        RunArchive run = Archive.open(Path.of(archive())).run(Archive.open(Path.of(archive())).runIds().get(0));
        Files.write(run.checkpointPath(5), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertBadInput(run("inspect", "--archive", archive(), run.id(), "--step", "5"), "not a readable HDF5 file");
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : List.of("train", "serve", "search", "reindex", "inspect", "demo", "analyze", "report",
                "sweep", "sweep-report", "worker")) {
            Result help = run(command, "--help");
            assertEquals(0, help.code(), command + ": " + help.err());
            assertTrue(help.out().startsWith("Usage: dynalens " + command), help.out());
        }
    }

    private static void assertBadInput(Result r, String expected) {
        assertEquals(2, r.code(), "exit code for: " + r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(r.err().strip().lines().count() <= 2, "one line (plus a hint): " + r.err());
    }

    @Test
    void demoTrainsArchivesIndexesAndServes() {
        Result demo = run("demo", "--archive", archive(), "--steps", "20", "--port", "0", "--exit", "--no-progress");
        assertEquals(0, demo.code(), demo.err());
        assertTrue(demo.out().contains("watch the run live at http://127.0.0.1:"), demo.out());
        RunArchive run = Archive.open(Path.of(archive())).run("demo-mod-add-p113");
        assertEquals(List.of(0L, 20L), run.checkpointSteps());
        assertTrue(run("search", "--archive", archive(), "task:mod-add AND p:113").out().contains("demo-mod-add-p113"));
    }
}
