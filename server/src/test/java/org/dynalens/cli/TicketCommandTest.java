package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code dynalens ticket}: a lottery ticket as a child run, compared with the original; bad input exits 2. */
class TicketCommandTest {

    @TempDir
    Path tmp;

    @Test
    void ticketIsAnIndexedChildWithAComparison() {
        String archive = tmp.resolve("archive").toString();
        CliTest.Result p = CliTest.run("train", "--archive", archive, "--p", "23", "--frac", "0.6", "--steps", "100",
                "--checkpoint-every", "50", "--d-model", "32", "--heads", "2", "--d-head", "16", "--no-progress");
        assertEquals(0, p.code(), p.err());
        String parent = BranchingTest.runId(p);

        CliTest.Result t = CliTest.run("ticket", "--archive", archive, parent, "--keep", "0.3", "--rewind", "50",
                "--no-progress");
        assertEquals(0, t.code(), t.err());
        String line = t.out().lines().filter(l -> l.startsWith("ticket ")).findFirst().orElseThrow();
        String ticket = line.split(" ")[1];
        assertTrue(t.out().contains("final test_loss"), t.out());
        RunArchive run = Archive.open(Path.of(archive)).run(ticket);
        assertEquals(parent, run.info().config().get("parent_run"));
        assertEquals(0.3, ((Number) run.info().config().get("ticket_keep")).doubleValue());
        assertEquals(100L, ((Number) run.info().summary().get("last_step")).longValue(), "the parent's number of steps");
        CliTest.Result found = CliTest.run("search", "--archive", archive, "ticket_keep:[0.2 TO 0.4]");
        assertTrue(found.out().contains(ticket), found.out() + found.err());

        CliTest.Result control = CliTest.run("ticket", "--archive", archive, parent, "--keep", "0.3", "--rewind", "50",
                "--random-mask", "--steps", "20", "--no-progress");
        assertEquals(0, control.code(), control.err());
        assertTrue(control.out().contains("random mask"), control.out());
        String controlId = control.out().lines().filter(l -> l.startsWith("ticket ")).findFirst().orElseThrow().split(" ")[1];
        assertNotEquals(ticket, controlId);
        RunArchive controlRun = Archive.open(Path.of(archive)).run(controlId);
        assertEquals("random", controlRun.info().config().get("ticket_mask"));
        assertEquals(run.info().summary().get("ticket_kept"), controlRun.info().summary().get("ticket_kept"), "same size");

        CliTest.Result bad = CliTest.run("ticket", "--archive", archive, parent, "--keep", "1.5", "--rewind", "50");
        assertEquals(Main.BAD_INPUT, bad.code(), bad.out() + bad.err());
        assertTrue(bad.err().contains("ticket_keep"), bad.err());
        CliTest.Result badStep = CliTest.run("ticket", "--archive", archive, parent, "--keep", "0.5", "--rewind", "7");
        assertEquals(Main.BAD_INPUT, badStep.code(), badStep.out() + badStep.err());
        assertTrue(badStep.err().contains("no checkpoint at step 7"), badStep.err());
    }
}
