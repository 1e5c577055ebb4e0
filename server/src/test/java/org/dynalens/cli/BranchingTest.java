package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code dynalens train --from RUN@STEP}: a child run starting from a parent's checkpoint, recorded and indexed. */
class BranchingTest {

    @TempDir
    Path tmp;

    static String runId(CliTest.Result r) {
        String line = r.out().lines().filter(l -> l.startsWith("run ")).findFirst().orElseThrow(() -> new AssertionError(r.out() + r.err()));
        return line.split(" ")[1];
    }

    @Test
    void childStartsFromTheParentCheckpointBitwiseAndIsFoundByItsParent() {
        String archive = tmp.resolve("archive").toString();
        CliTest.Result p = CliTest.run("train", "--archive", archive, "--p", "23", "--frac", "0.6", "--steps", "200",
                "--checkpoint-every", "100", "--seed", "0", "--no-progress");
        assertEquals(0, p.code(), p.err());
        String parent = runId(p);

        CliTest.Result c = CliTest.run("train", "--archive", archive, "--p", "23", "--frac", "0.6", "--steps", "50",
                "--checkpoint-every", "50", "--seed", "0", "--from", parent + "@100", "--no-progress");
        assertEquals(0, c.code(), c.err());
        String child = runId(c);
        assertNotEquals(parent, child);

        Archive a = Archive.open(Path.of(archive));
        RunArchive childRun = a.run(child);
        assertEquals(a.run(parent).readCheckpoint(100).params(), childRun.readCheckpoint(0).params(),
                "the child's step-0 weights are the parent's step-100 weights, bitwise");
        assertNotEquals(childRun.readCheckpoint(0).params(), childRun.readCheckpoint(50).params(), "and it trains on");
        Map<String, Object> config = childRun.info().config();
        assertEquals(parent, config.get("parent_run"));
        assertEquals(100, ((Number) config.get("parent_step")).intValue());
        assertFalse(a.run(parent).info().config().containsKey("parent_run"));

        CliTest.Result found = CliTest.run("search", "--archive", archive, "parent_run:" + parent);
        assertEquals(0, found.code(), found.err());
        assertTrue(found.out().contains(child), found.out());
        assertFalse(found.out().lines().anyMatch(l -> l.contains(parent) && !l.contains(child)), found.out());

        // a new task on the same architecture (fine-tuning mod-add into mod-sub)
        CliTest.Result sub = CliTest.run("train", "--archive", archive, "--task", "mod-sub", "--p", "23", "--steps", "20",
                "--checkpoint-every", "20", "--from", parent + "@200", "--no-progress");
        assertEquals(0, sub.code(), sub.err());
        assertEquals(a.run(parent).readCheckpoint(200).params(), a.run(runId(sub)).readCheckpoint(0).params());
    }

    @Test
    void anotherArchitectureOrAMissingCheckpointIsOneLineExitTwo() {
        String archive = tmp.resolve("archive").toString();
        CliTest.Result p = CliTest.run("train", "--archive", archive, "--p", "23", "--steps", "20",
                "--checkpoint-every", "10", "--no-progress");
        assertEquals(0, p.code(), p.err());
        String parent = runId(p);
        int runsBefore = Archive.open(Path.of(archive)).runIds().size();

        for (String[] args : new String[][] {
                {"--d-model", "64", "--from", parent + "@10"},
                {"--p", "29", "--from", parent + "@10"},
                {"--from", parent + "@15"},
                {"--from", "nope@10"},
                {"--from", parent}}) {
            String[] full = new String[args.length + 5];
            full[0] = "train";
            full[1] = "--archive";
            full[2] = archive;
            full[3] = "--no-progress";
            full[4] = "--steps=5";
            System.arraycopy(args, 0, full, 5, args.length);
            CliTest.Result r = CliTest.run(full);
            assertEquals(Main.BAD_INPUT, r.code(), String.join(" ", args) + ": " + r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        CliTest.Result arch = CliTest.run("train", "--archive", archive, "--d-model", "64", "--from", parent + "@10");
        assertTrue(arch.err().contains("same architecture required"), arch.err());
        CliTest.Result step = CliTest.run("train", "--archive", archive, "--from", parent + "@15");
        assertTrue(step.err().contains("no checkpoint at step 15"), step.err());
        assertEquals(runsBefore, Archive.open(Path.of(archive)).runIds().size(), "no child run left behind");
    }
}
