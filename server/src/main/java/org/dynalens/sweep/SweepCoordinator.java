package org.dynalens.sweep;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.indexer.RunIndex;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The coordinator of a distributed sweep ({@code sweep --distributed}): hands the sweep's unfinished runs to
 * {@code dynalens worker} processes over the clustered event bus, one run per claim, and takes them back when a
 * worker stops heart-beating (killed, hung, or left the cluster) so that another worker resumes them from their last
 * checkpoint (every process shares the archive directory). It is the only writer of the index: workers train without
 * indexing, and the coordinator tags and indexes each run when its worker reports it done.
 *
 * <p>The three consumers and the watchdog timer may run on different event-loop threads (each was registered from
 * a non-Vert.x thread), so every access to the queue state holds this object's lock; index writes run on one
 * background thread, never on the event loop.
 */
public final class SweepCoordinator {

    /** Attempts per run before it is marked failed (a run that fails on every worker is a bad run, not a bad worker). */
    static final int MAX_ATTEMPTS = 3;

    private final SweepSpec spec;
    private final Archive archive;
    private final RunIndex index;
    private final long heartbeatTimeoutMs;
    private final PrintStream out;
    private final Map<String, SweepSpec.Member> members = new LinkedHashMap<>();
    private final Deque<String> pending = new ArrayDeque<>();
    private final Map<String, Claim> claimed = new LinkedHashMap<>();
    private final Map<String, SweepRunner.Outcome> finished = new LinkedHashMap<>();
    private final Map<String, Integer> attempts = new LinkedHashMap<>();
    private final Map<String, Long> startedAt = new LinkedHashMap<>();
    private final CompletableFuture<Void> allDone = new CompletableFuture<>();
    private final ExecutorService indexer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sweep-indexer");
        t.setDaemon(true);
        return t;
    });
    private int inFlightIndexing;

    private record Claim(String worker, long lastHeartbeat) {
    }

    public SweepCoordinator(SweepSpec spec, Archive archive, RunIndex index, long heartbeatTimeoutMs, PrintStream out) {
        this.spec = spec;
        this.archive = archive;
        this.index = index;
        this.heartbeatTimeoutMs = heartbeatTimeoutMs;
        this.out = out;
    }

    /**
     * Records the sweep, serves workers until every member is done or failed, and returns one outcome per member in
     * sweep order. Blocks the calling thread.
     */
    public List<SweepRunner.Outcome> run(String clusterName) {
        SweepStore.save(archive, spec);
        for (SweepSpec.Member m : spec.members()) {
            members.put(m.runId(), m);
            if (SweepStore.isDone(archive, m.config())) {
                RunArchive run = archive.run(m.runId());
                markDoneAndIndex(run, SweepRunner.Status.ALREADY_DONE, 0);
            } else {
                pending.add(m.runId());
            }
        }
        log("sweep " + spec.id() + ": " + pending.size() + " run(s) to train, " + (members.size() - pending.size())
                + " already done; waiting for workers on cluster '" + clusterName + "'");
        if (pending.isEmpty()) return outcomes();
        Vertx vertx = SweepCluster.join(clusterName);
        try {
            vertx.eventBus().<JsonObject>consumer(SweepCluster.address(clusterName, "claim"), msg -> claim(msg))
                    .completion().toCompletionStage().toCompletableFuture().get();
            vertx.eventBus().<JsonObject>consumer(SweepCluster.address(clusterName, "heartbeat"), msg -> heartbeat(msg))
                    .completion().toCompletionStage().toCompletableFuture().get();
            vertx.eventBus().<JsonObject>consumer(SweepCluster.address(clusterName, "done"), msg -> done(msg))
                    .completion().toCompletionStage().toCompletableFuture().get();
            vertx.setPeriodic(500, id -> reassignSilentRuns());
            allDone.get();
            // let idle workers ask once more and hear that the sweep is finished before the coordinator leaves
            Thread.sleep(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("sweep coordinator failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            SweepCluster.close(vertx);
            indexer.shutdown();
        }
        return outcomes();
    }

    private synchronized void claim(Message<JsonObject> msg) {
        String worker = msg.body().getString("worker");
        if (finishedAll()) {
            msg.reply(new JsonObject().put("finished", true));
            return;
        }
        String runId = pending.poll();
        if (runId == null) {
            msg.reply(new JsonObject().put("wait", true));
            return;
        }
        claimed.put(runId, new Claim(worker, System.currentTimeMillis()));
        attempts.merge(runId, 1, Integer::sum);
        startedAt.putIfAbsent(runId, System.nanoTime());
        log("assigned " + runId + " to worker " + worker + " (attempt " + attempts.get(runId) + ")");
        msg.reply(new JsonObject().put("sweep_id", spec.id()).put("run_id", runId)
                .put("config_json", members.get(runId).config().toJson()));
    }

    private synchronized void heartbeat(Message<JsonObject> msg) {
        String runId = msg.body().getString("run_id");
        String worker = msg.body().getString("worker");
        Claim c = claimed.get(runId);
        if (c == null || !c.worker().equals(worker)) { // taken back: the worker must stop training it
            msg.reply(new JsonObject().put("abandon", true));
            return;
        }
        claimed.put(runId, new Claim(worker, System.currentTimeMillis()));
        msg.reply(new JsonObject().put("ok", true));
    }

    private synchronized void done(Message<JsonObject> msg) {
        String runId = msg.body().getString("run_id");
        String worker = msg.body().getString("worker");
        Claim c = claimed.get(runId);
        msg.reply(new JsonObject().put("ok", true));
        if (c == null || !c.worker().equals(worker)) {
            // a late report of a run taken back: if it did finish, nobody needs to train it again
            if (msg.body().getBoolean("ok", false) && pending.remove(runId)
                    && SweepStore.isDone(archive, members.get(runId).config())) {
                log("worker " + worker + " finished " + runId + " after all");
                markDoneAndIndex(archive.run(runId), SweepRunner.Status.TRAINED,
                        (System.nanoTime() - startedAt.get(runId)) / 1e9);
            } else if (msg.body().getBoolean("ok", false) && !claimed.containsKey(runId) && !finished.containsKey(runId)) {
                pending.addFirst(runId); // removed above but not done after all
            }
            return;
        }
        claimed.remove(runId);
        SweepSpec.Member m = members.get(runId);
        if (msg.body().getBoolean("ok", false) && SweepStore.isDone(archive, m.config())) {
            log("worker " + worker + " finished " + runId);
            markDoneAndIndex(archive.run(runId), SweepRunner.Status.TRAINED,
                    (System.nanoTime() - startedAt.get(runId)) / 1e9);
        } else {
            String error = msg.body().getString("error", "the run is not at its final step");
            if (attempts.getOrDefault(runId, 0) >= MAX_ATTEMPTS) {
                log("run " + runId + " failed on worker " + worker + " (" + error + "); giving up after "
                        + MAX_ATTEMPTS + " attempts");
                finished.put(runId, new SweepRunner.Outcome(runId, SweepRunner.Status.FAILED, null, error,
                        (System.nanoTime() - startedAt.get(runId)) / 1e9));
                checkAllDone();
            } else {
                log("run " + runId + " failed on worker " + worker + " (" + error + "); queued again");
                pending.addFirst(runId);
            }
        }
    }

    private synchronized void reassignSilentRuns() {
        long now = System.currentTimeMillis();
        List<String> silent = new ArrayList<>();
        claimed.forEach((runId, c) -> {
            if (now - c.lastHeartbeat() > heartbeatTimeoutMs) silent.add(runId);
        });
        for (String runId : silent) {
            Claim c = claimed.remove(runId);
            log("worker " + c.worker() + " stopped heart-beating (" + (now - c.lastHeartbeat()) + " ms); " + runId
                    + " goes back to the queue and resumes from its last checkpoint");
            pending.addFirst(runId);
        }
    }

    /** Tags the run with the sweep and (re)indexes it on the indexer thread; counts it done when that is written. */
    private void markDoneAndIndex(RunArchive run, SweepRunner.Status status, double seconds) {
        synchronized (this) {
            inFlightIndexing++;
        }
        indexer.execute(() -> {
            try {
                SweepStore.tag(run, spec.id());
                if (index != null) {
                    index.indexRun(run);
                    index.commit();
                }
            } catch (RuntimeException e) {
                log("note: could not index " + run.id() + " (" + e.getMessage() + "); run `dynalens reindex` later");
            }
            synchronized (this) {
                finished.put(run.id(), new SweepRunner.Outcome(run.id(), status, run.info().summary().get("grok_step"),
                        null, seconds));
                inFlightIndexing--;
            }
            checkAllDone();
        });
    }

    private synchronized boolean finishedAll() {
        return finished.size() == members.size() && inFlightIndexing == 0;
    }

    private void checkAllDone() {
        if (finishedAll()) allDone.complete(null);
    }

    private List<SweepRunner.Outcome> outcomes() {
        indexer.shutdown(); // never shutdownNow: the indexer thread may be in Lucene I/O
        try {
            indexer.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            return outcomesInOrder();
        }
    }

    private List<SweepRunner.Outcome> outcomesInOrder() {
        List<SweepRunner.Outcome> out = new ArrayList<>();
        for (String id : members.keySet()) {
            SweepRunner.Outcome o = finished.get(id);
            out.add(o != null ? o : new SweepRunner.Outcome(id, SweepRunner.Status.FAILED, null, "not finished", 0));
        }
        return out;
    }

    private void log(String line) {
        synchronized (out) {
            out.println(line);
        }
    }
}
