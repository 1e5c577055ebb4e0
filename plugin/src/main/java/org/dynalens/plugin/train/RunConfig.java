package org.dynalens.plugin.train;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.task.SequenceTask;
import org.dynalens.plugin.task.Task;
import org.dynalens.plugin.task.Tasks;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything that defines a training run. Defaults are the grokking setup of Nanda et al. 2023 (ANCHORS.md
 * section 1): mod-add, p = 113, 30% of pairs for training, AdamW lr 1e-3, weight decay 1, betas (0.9, 0.98), 10
 * warm-up steps, full batch. Stored as JSON on the run ({@code config}), snake_case keys.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record RunConfig(
        String task, int p, double trainFraction, long seed,
        int steps, int checkpointEvery, int evalEvery,
        double lr, double weightDecay, double beta1, double beta2, double eps, int warmupSteps,
        int nLayers, int dModel, int nHeads, int dHead, int dMlp,
        String runId,
        Integer nCtx, Integer vocab, Integer batchSize, Boolean attnOnly, Boolean layerNorm,
        Map<String, Object> taskSettings,
        Double grokfastAlpha, Double grokfastLambda, String parentRun, Long parentStep, Double ticketKeep,
        String ticketMask, String positionalEmbeddingType, Boolean smearedKeys) {

    public RunConfig {
        // the default mask kind is stored as absent, so naming it keeps the run id of a ticket that does not
        if (TICKET_MASK_MAGNITUDE.equals(ticketMask)) ticketMask = null;
        // likewise the standard positional embedding: configs that name it keep the run id they had before the option
        if (ModelConfig.PositionalEmbedding.STANDARD.configName().equals(positionalEmbeddingType)) positionalEmbeddingType = null;
        if (Boolean.FALSE.equals(smearedKeys)) smearedKeys = null; // and unsmeared keys
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Settings that may change when a run is continued without making it a different run. */
    private static final Set<String> CONTINUABLE = Set.of("steps", "checkpoint_every", "eval_every", "run_id");

    /**
     * Settings of sequence (next-token) tasks. They are null for classification tasks and then left out of
     * {@link #toMap()}, so a grokking config's JSON, identity hash and run id are what they were before these
     * settings existed.
     */
    private static final List<String> SEQUENCE_KEYS = List.of("n_ctx", "vocab", "batch_size", "attn_only", "layer_norm",
            "task_settings", "positional_embedding_type", "smeared_keys");

    /**
     * Opt-in settings of any task: Grokfast's filter, the checkpoint a branched run starts from, and a lottery
     * ticket's kept fraction and mask kind. Left out of {@link #toMap()} when null, so configs without them keep
     * their JSON, identity hash and run id (RunIdStabilityTest).
     */
    private static final List<String> OPTIONAL_KEYS = List.of("grokfast_alpha", "grokfast_lambda", "parent_run",
            "parent_step", "ticket_keep", "ticket_mask");

    /** Ticket mask kinds ({@link TicketMask}); "magnitude" is the default and is stored as absent. */
    public static final String TICKET_MASK_MAGNITUDE = "magnitude";
    public static final String TICKET_MASK_RANDOM = "random";

    /** Grokfast-EMA defaults of Lee et al. 2024 (their Algorithm 2 and released code): alpha 0.98, lambda 2. */
    public static final double GROKFAST_ALPHA = 0.98;
    public static final double GROKFAST_LAMBDA = 2.0;

    /**
     * The grokking setup (see the class comment). {@code n_ctx}, {@code vocab}, {@code batch_size}, {@code attn_only},
     * {@code layer_norm} and {@code task_settings} are null: they belong to sequence tasks.
     */
    public static RunConfig defaults() {
        return new RunConfig("mod-add", 113, 0.3, 0, 10_000, 100, 10,
                1e-3, 1.0, 0.9, 0.98, 1e-8, 10,
                1, 128, 4, 32, 512, null,
                null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
    }

    /**
     * Defaults for a next-token task: a 2-layer attention-only transformer (d_model 64, 2 heads of 32, no
     * LayerNorm), AdamW lr 3e-3 without weight decay, betas (0.9, 0.98), 10 warm-up steps, mini-batches of 64,
     * 2000 steps, a checkpoint every 100 and an evaluation every 10 steps. {@code n_ctx} and {@code vocab} come from
     * the task's own defaults when not given. With n_ctx 24 and vocab 32 these are the hyper-parameters with which
     * repeated-tokens forms induction heads within ~700 steps on a CPU (InductionHeadsTest).
     */
    public static RunConfig sequenceDefaults(String task) {
        return new RunConfig(task, 113, 0.3, 0, 2000, 100, 10,
                3e-3, 0.0, 0.9, 0.98, 1e-8, 10,
                2, 64, 2, 32, 256, null,
                null, null, 64, true, false, Map.of(),
                null, null, null, null, null, null, null, null);
    }

    /** Whether the task is a next-token task trained by {@link SequenceTrainingRun}. */
    @JsonIgnore
    public boolean isSequenceTask() {
        return Tasks.isSequenceTask(task);
    }

    /** Checks every setting; the message names the bad one. */
    public RunConfig validate() {
        require(steps >= 0, "steps must be >= 0, got " + steps);
        require(checkpointEvery > 0, "checkpoint_every must be > 0, got " + checkpointEvery);
        require(evalEvery > 0, "eval_every must be > 0, got " + evalEvery);
        require(lr > 0 && Double.isFinite(lr), "lr must be a positive number, got " + lr);
        require(weightDecay >= 0, "weight_decay must be >= 0, got " + weightDecay);
        require(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), got " + beta1);
        require(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1), got " + beta2);
        require(eps > 0, "eps must be > 0, got " + eps);
        require(warmupSteps >= 0, "warmup_steps must be >= 0, got " + warmupSteps);
        require(trainFraction > 0 && trainFraction < 1, "train_fraction must be in (0, 1), got " + trainFraction);
        require((grokfastAlpha == null) == (grokfastLambda == null),
                "grokfast_alpha and grokfast_lambda are given together (or neither)");
        require(grokfastAlpha == null || (grokfastAlpha >= 0 && grokfastAlpha < 1),
                "grokfast_alpha must be in [0, 1), got " + grokfastAlpha);
        require(grokfastLambda == null || (grokfastLambda >= 0 && Double.isFinite(grokfastLambda)),
                "grokfast_lambda must be >= 0, got " + grokfastLambda);
        require((parentRun == null) == (parentStep == null), "parent_run and parent_step are given together (or neither)");
        require(parentStep == null || parentStep >= 0, "parent_step must be >= 0, got " + parentStep);
        require(ticketKeep == null || (ticketKeep > 0 && ticketKeep <= 1), "ticket_keep must be in (0, 1], got " + ticketKeep);
        require(ticketKeep == null || parentRun != null, "ticket_keep needs parent_run and parent_step (the rewind point)");
        require(ticketMask == null || TICKET_MASK_RANDOM.equals(ticketMask),
                "ticket_mask must be \"magnitude\" or \"random\", got \"" + ticketMask + "\"");
        require(ticketMask == null || ticketKeep != null, "ticket_mask needs ticket_keep");
        if (isSequenceTask()) {
            require(batchSize != null && batchSize > 0, "batch_size must be > 0 for sequence tasks, got " + batchSize);
            SequenceTask t = createSequenceTask();
            require(nCtx == null || nCtx == t.contextLength(), "n_ctx of task " + task + " is " + t.contextLength()
                    + " with these task settings, not " + nCtx);
            require(vocab == null || vocab == t.vocab(), "vocab of task " + task + " is " + t.vocab() + ", not " + vocab);
            sequenceModel(t); // checks the model dimensions
            return this;
        }
        for (String key : SEQUENCE_KEYS) {
            require(toMap().get(key) == null, key + " is a setting of sequence tasks; task " + task + " does not take it");
        }
        require(nLayers == 1, "n_layers must be 1 for the grokking model (multi-layer models are for sequence tasks)");
        model(createTask()); // checks the task settings and the model dimensions
        return this;
    }

    /** The sequence task this config selects, from {@code n_ctx}, {@code vocab} and {@code task_settings}. */
    public SequenceTask createSequenceTask() {
        Map<String, Object> settings = new LinkedHashMap<>();
        if (taskSettings != null) settings.putAll(taskSettings);
        if (nCtx != null) settings.put("n_ctx", nCtx);
        if (vocab != null) settings.put("vocab", vocab);
        return Tasks.createSequence(task, settings);
    }

    /** The model shape for a sequence task: input and output vocabulary are the task's tokens. */
    public ModelConfig sequenceModel(SequenceTask t) {
        return new ModelConfig(nLayers, dModel, nHeads, dHead, dMlp, t.vocab(), t.vocab(), t.contextLength(),
                Boolean.TRUE.equals(attnOnly), Boolean.TRUE.equals(layerNorm), positionalEmbedding(), Boolean.TRUE.equals(smearedKeys));
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /** The task this config selects; unknown task or bad task settings throw with a clear message. */
    public Task createTask() {
        return Tasks.create(task, Map.of("p", p));
    }

    /** The model shape for a task. */
    public ModelConfig model(Task t) {
        return new ModelConfig(nLayers, dModel, nHeads, dHead, dMlp, t.inputVocab(), t.outputVocab(), t.contextLength());
    }

    /** The run's train/test split of the task's examples (seeded by {@code seed}, so always the same). */
    public org.dynalens.plugin.task.Examples.Split split(Task t) {
        return t.allExamples().split(trainFraction, seed);
    }

    /** A copy with another number of steps. */
    public RunConfig withSteps(int newSteps) {
        return new RunConfig(task, p, trainFraction, seed, newSteps, checkpointEvery, evalEvery, lr, weightDecay, beta1,
                beta2, eps, warmupSteps, nLayers, dModel, nHeads, dHead, dMlp, runId,
                nCtx, vocab, batchSize, attnOnly, layerNorm, taskSettings,
                grokfastAlpha, grokfastLambda, parentRun, parentStep, ticketKeep, ticketMask, positionalEmbeddingType, smearedKeys);
    }

    /** Where {@code W_pos} enters the model: {@code positional_embedding_type}, "standard" when absent. */
    @JsonIgnore
    public ModelConfig.PositionalEmbedding positionalEmbedding() {
        return positionalEmbeddingType == null ? ModelConfig.PositionalEmbedding.STANDARD
                : ModelConfig.PositionalEmbedding.fromConfigName(positionalEmbeddingType);
    }

    /** Whether the Grokfast gradient filter is on. */
    @JsonIgnore
    public boolean grokfast() {
        return grokfastAlpha != null;
    }

    /** A copy that starts from checkpoint {@code step} of run {@code run} (a branched run). */
    public RunConfig withParent(String run, long step) {
        return new RunConfig(task, p, trainFraction, seed, steps, checkpointEvery, evalEvery, lr, weightDecay, beta1,
                beta2, eps, warmupSteps, nLayers, dModel, nHeads, dHead, dMlp, runId,
                nCtx, vocab, batchSize, attnOnly, layerNorm, taskSettings,
                grokfastAlpha, grokfastLambda, run, step, ticketKeep, ticketMask, positionalEmbeddingType, smearedKeys);
    }

    /** A copy that is a lottery ticket keeping fraction {@code keep} of the parent's final weights. */
    public RunConfig withTicketKeep(Double keep) {
        return new RunConfig(task, p, trainFraction, seed, steps, checkpointEvery, evalEvery, lr, weightDecay, beta1,
                beta2, eps, warmupSteps, nLayers, dModel, nHeads, dHead, dMlp, runId,
                nCtx, vocab, batchSize, attnOnly, layerNorm, taskSettings,
                grokfastAlpha, grokfastLambda, parentRun, parentStep, keep, ticketMask, positionalEmbeddingType, smearedKeys);
    }

    /** A copy with an explicit run id. */
    public RunConfig withRunId(String id) {
        return new RunConfig(task, p, trainFraction, seed, steps, checkpointEvery, evalEvery, lr, weightDecay, beta1,
                beta2, eps, warmupSteps, nLayers, dModel, nHeads, dHead, dMlp, id,
                nCtx, vocab, batchSize, attnOnly, layerNorm, taskSettings,
                grokfastAlpha, grokfastLambda, parentRun, parentStep, ticketKeep, ticketMask, positionalEmbeddingType, smearedKeys);
    }

    /**
     * The run id: the explicit one, else a readable prefix plus a hash of every setting that changes the training
     * trajectory. The same config always gives the same id, which is what lets {@code train} resume a run.
     */
    public String resolvedRunId() {
        if (runId != null && !runId.isBlank()) return runId;
        if (isSequenceTask()) return String.format("%s-s%d-%s", task, seed, identityHash());
        return String.format("%s-p%d-s%d-%s", task, p, seed, identityHash());
    }

    String identityHash() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    JSON.writeValueAsBytes(identity()));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The settings that define the trajectory (everything but steps, schedules and the id). */
    public Map<String, Object> identity() {
        Map<String, Object> m = toMap();
        m.keySet().removeAll(CONTINUABLE);
        return m;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = JSON.convertValue(this, new TypeReference<LinkedHashMap<String, Object>>() {
        });
        for (String key : SEQUENCE_KEYS) if (m.get(key) == null) m.remove(key);
        for (String key : OPTIONAL_KEYS) if (m.get(key) == null) m.remove(key);
        return m;
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toMap());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A config from a JSON map; missing keys take the defaults (the grokking setup, or {@link #sequenceDefaults}
     * when {@code task} names a sequence task), unknown keys are an error naming them.
     */
    public static RunConfig fromMap(Map<String, ?> values) {
        Object taskName = values.get("task");
        boolean sequence = taskName instanceof String t && Tasks.isSequenceTask(t);
        Map<String, Object> merged = sequence ? sequenceDefaults((String) taskName).toMap() : defaults().toMap();
        merged.putAll(values);
        // one Grokfast setting switches the filter on; the other takes the paper's default, so the stored config
        // (and the run id) always names both
        if (merged.get("grokfast_alpha") != null || merged.get("grokfast_lambda") != null) {
            if (merged.get("grokfast_alpha") == null) merged.put("grokfast_alpha", GROKFAST_ALPHA);
            if (merged.get("grokfast_lambda") == null) merged.put("grokfast_lambda", GROKFAST_LAMBDA);
        }
        RunConfig cfg;
        try {
            cfg = JSON.convertValue(merged, RunConfig.class);
        } catch (IllegalArgumentException e) {
            Throwable c = e.getCause();
            if (c instanceof UnrecognizedPropertyException u) {
                throw new IllegalArgumentException("unknown config field '" + u.getPropertyName() + "'", e);
            }
            throw new IllegalArgumentException("bad config: " + firstLine(c == null ? e : c), e);
        }
        return sequence ? cfg.withTaskShape() : cfg;
    }

    /**
     * For a sequence task: a copy with {@code n_ctx} and {@code vocab} filled in from the task when they were not
     * given, so the stored config (and the run id) names them explicitly. Bad task settings are left for
     * {@link #validate()} to report.
     */
    private RunConfig withTaskShape() {
        if (nCtx != null && vocab != null) return this;
        SequenceTask t;
        try {
            t = createSequenceTask();
        } catch (IllegalArgumentException e) {
            return this;
        }
        return new RunConfig(task, p, trainFraction, seed, steps, checkpointEvery, evalEvery, lr, weightDecay, beta1,
                beta2, eps, warmupSteps, nLayers, dModel, nHeads, dHead, dMlp, runId,
                nCtx != null ? nCtx : t.contextLength(), vocab != null ? vocab : t.vocab(), batchSize, attnOnly,
                layerNorm, taskSettings, grokfastAlpha, grokfastLambda, parentRun, parentStep, ticketKeep, ticketMask,
                positionalEmbeddingType, smearedKeys);
    }

    /** Reads a JSON config file (keys as in {@link #toJson()}); missing keys take the defaults. */
    public static RunConfig read(Path file) {
        try {
            return fromMap(JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {
            }));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config " + file + ": " + firstLine(e), e);
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
