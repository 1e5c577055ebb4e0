package org.dynalens.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.sweep.ChildJvm;
import org.dynalens.sweep.SweepSpec;
import org.dynalens.sweep.SweepStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A distributed sweep across JVMs: a coordinator ({@code sweep --distributed}) and worker processes on a loopback
 * Hazelcast cluster of their own. The first worker is SIGKILLed mid-run; the coordinator notices the missing
 * heart-beats and a second worker resumes that run from its last checkpoint; the sweep finishes with every run
 * complete and indexed by the coordinator.
 */
class DistributedSweepTest {

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopLeftovers() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private Process start(String log, String... args) throws IOException {
        Process p = new ProcessBuilder(ChildJvm.dynalens(args)).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(log).toFile()).start();
        started.add(p);
        return p;
    }

    private String log(String name) throws IOException {
        Path f = tmp.resolve(name);
        return Files.exists(f) ? Files.readString(f) : "";
    }

    @Test
    void aKilledWorkersRunIsResumedByAnotherWorkerFromItsCheckpoint() throws Exception {
        Path archive = tmp.resolve("archive");
        String cluster = "dynalens-test-" + UUID.randomUUID().toString().substring(0, 8);
        Path file = tmp.resolve("sweep.json");
        new ObjectMapper().writeValue(file.toFile(), Map.of("sweep_id", "dist", "task", "mod-add", "p", 13,
                "train_fraction", 0.6, "steps", 300, "checkpoint_every", 20, "eval_every", 10, "d_model", 64, "d_head", 16,
                "grid", Map.of("seed", List.of(0, 1))));
        SweepSpec spec = SweepSpec.read(file);

        Process coordinator = start("coordinator.log", "sweep", "--distributed", "--archive", archive.toString(),
                "--config", file.toString(), "--cluster", cluster, "--heartbeat-timeout", "4", "--no-progress");
        Process first = start("worker-1.log", "worker", "--archive", archive.toString(), "--cluster", cluster,
                "--idle-timeout", "120");

        // wait until worker 1 has a run part-way: a checkpoint after step 0, not yet the last
        Pattern claimed = Pattern.compile("claimed (\\S+)");
        String victim = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            Matcher m = claimed.matcher(log("worker-1.log"));
            if (m.find()) {
                victim = m.group(1);
                if (Files.exists(archive) && Archive.open(archive).hasRun(victim)) {
                    List<Long> steps = Archive.open(archive).run(victim).checkpointSteps();
                    if (!steps.isEmpty() && steps.get(steps.size() - 1) >= 40) break;
                }
            }
            assertTrue(first.isAlive(), "worker 1 died: " + log("worker-1.log"));
            Thread.sleep(20); // short: on a fast machine the 300 steps take well under a second after step 40
        }
        assertNotNull(victim, "worker 1 claimed a run: " + log("worker-1.log") + log("coordinator.log"));
        RunArchive run = Archive.open(archive).run(victim);
        FileTime firstCheckpoint = Files.getLastModifiedTime(run.checkpointPath(0));
        first.destroyForcibly(); // SIGKILL: no shutdown hooks, no goodbye to the cluster
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        List<Long> atKill = Archive.open(archive).run(victim).checkpointSteps();
        assertTrue(atKill.get(atKill.size() - 1) < 300, "killed mid-run: " + atKill);

        Process second = start("worker-2.log", "worker", "--archive", archive.toString(), "--cluster", cluster,
                "--idle-timeout", "120");
        assertTrue(coordinator.waitFor(300, TimeUnit.SECONDS), "sweep finishes: " + log("coordinator.log"));
        assertEquals(0, coordinator.exitValue(), log("coordinator.log"));
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "worker 2 stops when the sweep is finished: " + log("worker-2.log"));
        assertEquals(0, second.exitValue(), log("worker-2.log"));

        String coordinatorLog = log("coordinator.log");
        String worker2 = log("worker-2.log");
        assertTrue(coordinatorLog.contains("stopped heart-beating") && coordinatorLog.contains(victim), coordinatorLog);
        Matcher resumed = Pattern.compile("resuming " + Pattern.quote(victim) + " from step (\\d+)").matcher(worker2);
        assertTrue(resumed.find(), "worker 2 resumed the killed run: " + worker2);
        long from = Long.parseLong(resumed.group(1));
        assertTrue(from >= 40, "resumed from a checkpoint, not from step 0: " + from);
        assertEquals(firstCheckpoint, Files.getLastModifiedTime(run.checkpointPath(0)), "step 0 was not rewritten");
        assertTrue(coordinatorLog.contains("all 2 run(s) done"), coordinatorLog);

        Archive a = Archive.open(archive);
        for (SweepSpec.Member m : spec.members()) {
            RunArchive r = a.run(m.runId());
            List<Long> steps = r.checkpointSteps();
            assertEquals(300L, steps.get(steps.size() - 1), m.runId());
            assertEquals("finished", r.info().summary().get("status"));
            assertEquals(List.of("dist"), r.info().summary().get(SweepStore.SUMMARY_KEY));
        }
        CliTest.Result search = CliTest.run("search", "--archive", archive.toString(), "sweep:dist AND status:finished");
        assertTrue(search.out().contains("2 run(s) match"), "the coordinator indexed both runs: " + search.out());
        System.out.println("coordinator log:\n" + coordinatorLog + "\nworker 2 log:\n" + worker2);
        System.out.println("killed worker 1 at checkpoints " + atKill + "; worker 2 resumed " + victim + " from step " + from);
    }
}
