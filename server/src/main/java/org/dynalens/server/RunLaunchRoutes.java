package org.dynalens.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunIndex;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingRun;
import org.dynalens.plugin.tribuo.ConfigFields;
import org.dynalens.plugin.tribuo.ModularArithmeticDataSource;
import org.dynalens.plugin.tribuo.TransformerTrainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Launching runs from the web UI:
 * <ul>
 *   <li>{@code GET /api/launch/fields}: the form, generated from the Tribuo trainer's OLCUT {@code @Config} fields
 *       (name, type, default, description) plus the data source's training fraction;</li>
 *   <li>{@code POST /api/runs} (bearer token): a JSON object of some of those fields; validated exactly as
 *       {@code dynalens train} validates a config (400 naming the field), then trained in the background, archived
 *       and indexed as it goes; answers 202 with the run id. A run with the same config resumes.</li>
 * </ul>
 * Runs train one at a time (DJL allows one gradient collector per process) with a short queue; a full queue is 429.
 */
final class RunLaunchRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(RunLaunchRoutes.class);
    private static final int MAX_QUEUED = 4;
    /** Trainer fields that the server decides, not the form. */
    private static final Set<String> NOT_IN_FORM = Set.of("archive");

    private final Archive archive;
    private final RunIndex index;
    private final List<Map<String, Object>> fields;
    private final Set<String> fieldNames;
    private final ThreadPoolExecutor trainer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
        Thread t = new Thread(r, "dynalens-launched-training");
        t.setDaemon(true);
        return t;
    });

    RunLaunchRoutes(Archive archive, RunIndex index) {
        this.archive = archive;
        this.index = index;
        List<Map<String, Object>> f = new ArrayList<>();
        for (Map<String, Object> field : TransformerTrainer.configFields()) {
            if (!NOT_IN_FORM.contains(field.get("name"))) f.add(field);
        }
        for (Map<String, Object> field : ConfigFields.describe(ModularArithmeticDataSource.class)) {
            if ("trainFraction".equals(field.get("name"))) f.add(field);
        }
        this.fields = List.copyOf(f);
        Set<String> names = new LinkedHashSet<>();
        fields.forEach(field -> names.add((String) field.get("name")));
        this.fieldNames = Set.copyOf(names);
    }

    void mount(Vertx vertx, Router router) {
        router.get("/api/launch/fields").handler(OffEventLoop.json(vertx, ctx -> Map.of("fields", fields)));
        router.post("/api/runs").handler(ctx -> vertx.executeBlocking(() -> JsonCodec.encode(launch(ctx)), false)
                .onSuccess(body -> Replies.send(ctx, 202, body))
                .onFailure(ctx::fail));
    }

    /**
     * Stops accepting runs and gives a run in progress up to 30 s to finish. It is never interrupted: an interrupt
     * closes the NIO channels it is using, which would invalidate the index's write lock and fail a checkpoint write.
     */
    void close() {
        trainer.shutdown();
        trainer.getQueue().clear();
        try {
            trainer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Object launch(RoutingContext ctx) {
        RunMutationRoutes.writable(index);
        ObjectNode body = RunMutationRoutes.jsonObject(ctx, fieldNames);
        RunConfig cfg;
        try {
            cfg = RunConfig.fromMap(toRunConfigKeys(body)).validate();
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("bad config", String.valueOf(e.getMessage()));
        }
        String id = cfg.resolvedRunId();
        try {
            trainer.execute(() -> train(cfg));
        } catch (RejectedExecutionException e) {
            throw new ApiError(429, "too many runs", MAX_QUEUED + " runs are already waiting to train; try again later");
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("id", id);
        reply.put("status", trainer.getActiveCount() > 0 || !trainer.getQueue().isEmpty() ? "queued" : "starting");
        reply.put("url", "/run.html?id=" + id);
        reply.put("config", cfg.toMap());
        return reply;
    }

    private void train(RunConfig cfg) {
        try {
            TrainingRun.train(cfg, archive, new IndexingListener(archive, index));
        } catch (RuntimeException e) {
            LOG.warn("launched run {} failed: {}", cfg.resolvedRunId(), e.getMessage());
        }
    }

    /** The form's field names (OLCUT, camelCase) as run config keys (snake_case): weightDecay -> weight_decay. */
    static Map<String, Object> toRunConfigKeys(ObjectNode body) {
        Map<String, Object> out = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(snakeCase(e.getKey()), json.convertValue(e.getValue(), Object.class));
        }
        return out;
    }

    static String snakeCase(String camel) {
        StringBuilder s = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) s.append('_').append(Character.toLowerCase(c));
            else s.append(c);
        }
        return s.toString();
    }
}
