package org.dynalens.sweep;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.dynalens.archive.Archive;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;

import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A distributed sweep worker ({@code dynalens worker}): joins the cluster, claims runs from the coordinator one at a
 * time and trains each with {@link RunTrainer} (no indexing: the coordinator is the only index writer), resuming
 * from the run's last checkpoint when another worker started it. While training it heart-beats every second from
 * the event loop; if the coordinator has taken the run back (this worker was silent too long) the worker stops
 * training it at the next step.
 */
public final class SweepWorker {

    static final long HEARTBEAT_MS = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Archive archive;
    private final String clusterName;
    private final long idleTimeoutMs;
    private final PrintStream out;
    private final Supplier<TrainingListener> progress;
    private final String name = ManagementFactory.getRuntimeMXBean().getName(); // pid@host

    public SweepWorker(Archive archive, String clusterName, long idleTimeoutMs, PrintStream out,
                       Supplier<TrainingListener> progress) {
        this.archive = archive;
        this.clusterName = clusterName;
        this.idleTimeoutMs = idleTimeoutMs;
        this.out = out;
        this.progress = progress;
    }

    /** Works until the coordinator says the sweep is finished (or none answers for the idle timeout); runs trained. */
    public int run() {
        Vertx vertx = SweepCluster.join(clusterName);
        int trained = 0;
        try {
            log("worker " + name + " joined cluster '" + clusterName + "'");
            long silentSince = System.currentTimeMillis();
            while (true) {
                JsonObject reply;
                try {
                    reply = request(vertx, "claim", new JsonObject().put("worker", name));
                } catch (ExecutionException | TimeoutException e) {
                    if (System.currentTimeMillis() - silentSince > idleTimeoutMs) {
                        log("no coordinator answered for " + idleTimeoutMs / 1000 + " s; worker " + name + " stops");
                        return trained;
                    }
                    Thread.sleep(1000);
                    continue;
                }
                silentSince = System.currentTimeMillis();
                if (reply.getBoolean("finished", false)) {
                    log("sweep finished; worker " + name + " trained " + trained + " run(s)");
                    return trained;
                }
                if (reply.getBoolean("wait", false)) {
                    Thread.sleep(1000);
                    continue;
                }
                if (train(vertx, reply)) trained++;
                silentSince = System.currentTimeMillis();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return trained;
        } finally {
            SweepCluster.close(vertx);
        }
    }

    private boolean train(Vertx vertx, JsonObject claim) throws InterruptedException {
        String runId = claim.getString("run_id");
        RunConfig cfg;
        try {
            cfg = RunConfig.fromMap(JSON.readValue(claim.getString("config_json"),
                    new TypeReference<LinkedHashMap<String, Object>>() {
                    })).withRunId(runId);
        } catch (IOException e) {
            throw new IllegalStateException("the coordinator sent an unreadable config for " + runId, e);
        }
        log("worker " + name + " claimed " + runId);
        JsonObject beat = new JsonObject().put("worker", name).put("run_id", runId);
        AtomicBoolean abandoned = new AtomicBoolean();
        long timer = vertx.setPeriodic(HEARTBEAT_MS, id -> vertx.eventBus()
                .<JsonObject>request(SweepCluster.address(clusterName, "heartbeat"), beat,
                        new DeliveryOptions().setSendTimeout(HEARTBEAT_MS * 5))
                .onSuccess(r -> {
                    if (r.body().getBoolean("abandon", false)) abandoned.set(true);
                }));
        TrainingListener stopWhenAbandoned = new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss) {
                if (abandoned.get()) throw new CancellationException("the coordinator gave run " + runId + " to another worker");
            }
        };
        boolean ok = false;
        String error = null;
        try {
            RunTrainer.train(cfg, archive, null, TrainingListener.all(progress.get(), stopWhenAbandoned), null);
            ok = true;
        } catch (CancellationException e) {
            log("worker " + name + " stopped " + runId + ": " + e.getMessage());
            error = e.getMessage();
        } catch (RuntimeException e) {
            log("worker " + name + " failed on " + runId + ": " + e);
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        } finally {
            vertx.cancelTimer(timer);
        }
        JsonObject done = new JsonObject().put("worker", name).put("run_id", runId).put("ok", ok);
        if (error != null) done.put("error", error);
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                request(vertx, "done", done);
                break;
            } catch (ExecutionException | TimeoutException e) {
                Thread.sleep(1000); // the coordinator reassigns the run anyway if this report never arrives
            }
        }
        return ok;
    }

    private JsonObject request(Vertx vertx, String service, JsonObject body)
            throws InterruptedException, ExecutionException, TimeoutException {
        return vertx.eventBus().<JsonObject>request(SweepCluster.address(clusterName, service), body,
                        new DeliveryOptions().setSendTimeout(5000))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
    }

    private void log(String line) {
        synchronized (out) {
            out.println(line);
        }
    }
}
