package org.dynalens.plugin.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import com.oracle.labs.mlrg.olcut.provenance.primitives.LongProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.ModularArithmetic;
import org.dynalens.plugin.train.RunConfig;
import org.dynalens.plugin.train.TrainingListener;
import org.dynalens.plugin.train.TrainingRun;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.TrainerProvenance;
import org.tribuo.provenance.impl.TrainerProvenanceImpl;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Tribuo {@link Trainer} for the grokking transformer of Nanda et al. 2023: classification of the answer token of
 * a modular-arithmetic task, trained full-batch with AdamW by dynalens's {@link TrainingRun}, so every checkpoint
 * lands in the dynalens archive exactly as with {@code ./dynalens train}. Every hyper-parameter is an OLCUT
 * {@link Config} field (defaults: the Nanda et al. setup), checked in {@link #postConfig()}.
 *
 * <p><b>Data.</b> The training {@link Dataset} holds examples with features {@code a@<a>}, {@code b@<b>} and the
 * answer as Label ({@link TokenEncoding}, e.g. from {@link ModularArithmeticDataSource}); the trainer turns them
 * back into token sequences {@code [a, b, =]} in dataset order. The train/test split is Tribuo's business: the
 * run's held-out set, on which the archived {@code test_loss}/{@code test_acc} curves are measured, is every pair of
 * the task that is not in the training dataset. Training examples must agree with the task (right answer, tokens
 * below p), or training is refused with a message naming the example.
 *
 * <p><b>The run.</b> Its id is {@code tribuo-<task>-p<p>-s<seed>-<hash>}, the hash covering the hyper-parameters
 * that shape the trajectory and the training examples, so the same configuration and data resume the same run and
 * anything else starts a new one. The stored config has {@code train_fraction} = training pairs / all pairs; the
 * provenance has {@code trainer} = this class, {@code split = tribuo}, and under {@code tribuo} the Tribuo model
 * provenance (trainer with every field, dataset and data source, instance values) as a nested map, which the
 * indexer flattens to {@code provenance.tribuo.trainer.seed} etc. The run becomes searchable when the index catches
 * up ({@code ./dynalens reindex}, or {@code serve}, which reindexes a lagging index), or live through
 * {@link #setTrainingListener(TrainingListener)}.
 *
 * <p><b>Determinism.</b> The model depends only on the fields and the data: the invocation count is recorded in the
 * provenance, as Tribuo requires, but does not change the result (initialisation is seeded by {@link #seed}).
 */
public final class TransformerTrainer implements Trainer<Label> {

    @Config(description = "Task name from the dynalens task registry; must match the data (e.g. mod-add).")
    private String task = "mod-add";

    @Config(description = "The prime modulus p of the task: tokens 0..p-1, input vocabulary p + 1 (with '=').")
    private int p = 113;

    @Config(description = "Seed of the weight initialisation (Java-side, identical on every machine).")
    private long seed = 0;

    @Config(description = "Number of full-batch AdamW updates.")
    private int steps = 10_000;

    @Config(description = "Archive a checkpoint (weights, AdamW state, metrics) every this many steps, and at the last step.")
    private int checkpointEvery = 100;

    @Config(description = "Evaluate train/test loss and accuracy every this many steps.")
    private int evalEvery = 10;

    @Config(description = "AdamW learning rate after warm-up.")
    private double lr = 1e-3;

    @Config(description = "AdamW decoupled weight decay.")
    private double weightDecay = 1.0;

    @Config(description = "AdamW beta1, in [0, 1).")
    private double beta1 = 0.9;

    @Config(description = "AdamW beta2, in [0, 1).")
    private double beta2 = 0.98;

    @Config(description = "AdamW epsilon, > 0.")
    private double eps = 1e-8;

    @Config(description = "Linear learning-rate warm-up steps (the first update has lr 0, as in Nanda et al.).")
    private int warmupSteps = 10;

    @Config(description = "Residual stream width d_model.")
    private int dModel = 128;

    @Config(description = "Number of attention heads.")
    private int nHeads = 4;

    @Config(description = "Width of each attention head d_head.")
    private int dHead = 32;

    @Config(description = "Hidden width of the ReLU MLP d_mlp.")
    private int dMlp = 512;

    @Config(mandatory = true, description = "The dynalens archive directory the run is written to (created if missing).")
    private Path archive;

    private int trainInvocationCounter = 0;
    private transient TrainingListener listener = new TrainingListener() {
    };

    /** For OLCUT and programmatic use: Nanda et al.'s defaults; set {@code archive} before training. */
    public TransformerTrainer() {
    }

    /** A trainer with the default hyper-parameters writing to {@code archive}, for {@code p} and {@code steps}. */
    public TransformerTrainer(Path archive, int p, int steps, int checkpointEvery) {
        this.archive = archive;
        this.p = p;
        this.steps = steps;
        this.checkpointEvery = checkpointEvery;
        postConfig();
    }

    /** Checks every field; a {@link PropertyException} names the bad one ({@link PropertyException#getProperty()}). */
    @Override
    public void postConfig() {
        ModularArithmeticDataSource.modularTask("", task, p);
        require(steps >= 0, "steps", "steps must be >= 0, got " + steps);
        require(checkpointEvery > 0, "checkpointEvery", "checkpointEvery must be > 0, got " + checkpointEvery);
        require(evalEvery > 0, "evalEvery", "evalEvery must be > 0, got " + evalEvery);
        require(lr > 0 && Double.isFinite(lr), "lr", "lr must be a positive number, got " + lr);
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay", "weightDecay must be >= 0, got " + weightDecay);
        require(beta1 >= 0 && beta1 < 1, "beta1", "beta1 must be in [0, 1), got " + beta1);
        require(beta2 >= 0 && beta2 < 1, "beta2", "beta2 must be in [0, 1), got " + beta2);
        require(eps > 0 && Double.isFinite(eps), "eps", "eps must be > 0, got " + eps);
        require(warmupSteps >= 0, "warmupSteps", "warmupSteps must be >= 0, got " + warmupSteps);
        require(dModel > 0, "dModel", "dModel must be > 0, got " + dModel);
        require(nHeads > 0, "nHeads", "nHeads must be > 0, got " + nHeads);
        require(dHead > 0, "dHead", "dHead must be > 0, got " + dHead);
        require(dMlp > 0, "dMlp", "dMlp must be > 0, got " + dMlp);
        require(archive != null, "archive", "archive must name the dynalens archive directory");
        require(!archive.toFile().isFile(), "archive", "archive " + archive + " is a file, not a directory");
    }

    private static void require(boolean ok, String field, String message) {
        if (!ok) throw new PropertyException("", field, message);
    }

    /** Receives the run's events (start, evaluations, checkpoints) on the training thread, e.g. to index live. */
    public void setTrainingListener(TrainingListener listener) {
        this.listener = listener == null ? new TrainingListener() {
        } : listener;
    }

    /**
     * This trainer's {@link Config} fields as plain data for a launch form: name, type, default, description,
     * mandatory (see {@link ConfigFields#describe(Class)}).
     */
    public static List<Map<String, Object>> configFields() {
        return ConfigFields.describe(TransformerTrainer.class);
    }

    @Override
    public Model<Label> train(Dataset<Label> examples, Map<String, Provenance> runProvenance) {
        return train(examples, runProvenance, INCREMENT_INVOCATION_COUNT);
    }

    @Override
    public synchronized Model<Label> train(Dataset<Label> dataset, Map<String, Provenance> runProvenance,
                                           int invocationCount) {
        if (invocationCount != INCREMENT_INVOCATION_COUNT) setInvocationCount(invocationCount);
        TrainerProvenance trainerProvenance = getProvenance();
        trainInvocationCounter++;

        ModularArithmetic t = ModularArithmeticDataSource.modularTask("", task, p);
        Examples.Split split = split(dataset, t);
        RunConfig cfg = runConfig(split);
        cfg = cfg.withRunId(String.format("tribuo-%s-p%d-s%d-%s", task, p, seed, hash(cfg, split.train())));

        Map<String, Provenance> instance = new HashMap<>(runProvenance == null ? Map.of() : runProvenance);
        instance.put("dynalens-run-id", new StringProvenance("dynalens-run-id", cfg.runId()));
        instance.put("dynalens-step", new LongProvenance("dynalens-step", steps));
        ModelProvenance provenance = new ModelProvenance(TransformerModel.class.getName(), OffsetDateTime.now(),
                dataset.getProvenance(), trainerProvenance, instance);

        Map<String, Object> runProv = new LinkedHashMap<>();
        runProv.put("trainer", TransformerTrainer.class.getName());
        runProv.put("split", "tribuo");
        runProv.put("train_examples", split.train().size());
        runProv.put("test_examples", split.test().size());
        runProv.put("tribuo", ProvenanceUtil.convertToMap(provenance));

        RunArchive run = TrainingRun.train(cfg, split, runProv, Archive.open(archive), listener);
        long last = run.lastCheckpointStep().orElseThrow(() -> new IllegalStateException("run " + run.id()
                + " has no checkpoint after training"));
        Map<String, Tensor> weights = run.readCheckpoint(last).params();
        ModelConfig shape = cfg.model(t);
        ImmutableOutputInfo<Label> answers = allAnswers(p);
        return new TransformerModel("transformer-" + cfg.runId(), provenance, dataset.getFeatureIDMap(), answers,
                task, p, shape, weights, cfg.runId(), last);
    }

    /** Every answer 0..p-1 as a Label whose Tribuo id is the answer token, so the output domain is the model's. */
    private static ImmutableOutputInfo<Label> allAnswers(int p) {
        Map<Label, Integer> ids = new LinkedHashMap<>();
        for (int k = 0; k < p; k++) ids.put(new Label(Integer.toString(k)), k);
        return new LabelFactory().constructInfoForExternalModel(ids);
    }

    /** The training examples as tokens (dataset order), and every other pair of the task as the held-out set. */
    private static Examples.Split split(Dataset<Label> dataset, ModularArithmetic t) {
        int n = dataset.size();
        if (n == 0) throw new IllegalArgumentException("the training dataset is empty");
        int ctx = t.contextLength();
        int[] tokens = new int[n * ctx];
        int[] labels = new int[n];
        Examples all = t.allExamples();
        Map<Long, Integer> answer = new HashMap<>();
        for (int i = 0; i < all.size(); i++) answer.put(pairKey(all.tokens()[i * ctx], all.tokens()[i * ctx + 1]), all.labels()[i]);
        Set<Long> seen = new HashSet<>();
        int i = 0;
        for (Example<Label> ex : dataset) {
            TokenEncoding.toTokens(ex, i, t, tokens, i * ctx);
            labels[i] = TokenEncoding.labelToken(ex.getOutput(), i, t.p());
            long key = pairKey(tokens[i * ctx], tokens[i * ctx + 1]);
            Integer expected = answer.get(key);
            if (expected == null) {
                throw new IllegalArgumentException("example " + i + " (a=" + tokens[i * ctx] + ", b=" + tokens[i * ctx + 1]
                        + ") is not a pair of task " + t.name());
            }
            if (expected != labels[i]) {
                throw new IllegalArgumentException("example " + i + " (a=" + tokens[i * ctx] + ", b=" + tokens[i * ctx + 1]
                        + ") has label " + labels[i] + " but " + t.name() + " with p=" + t.p() + " gives " + expected);
            }
            seen.add(key);
            i++;
        }
        int[] held = new int[all.size() - seen.size()];
        int h = 0;
        for (int j = 0; j < all.size(); j++) {
            if (!seen.contains(pairKey(all.tokens()[j * ctx], all.tokens()[j * ctx + 1]))) held[h++] = j;
        }
        if (held.length == 0) {
            throw new IllegalArgumentException("the training dataset covers every pair of " + t.name() + " with p="
                    + t.p() + ": no pair is left to measure generalisation on");
        }
        return new Examples.Split(new Examples(ctx, tokens, labels), all.select(held));
    }

    private static long pairKey(int a, int b) {
        return ((long) a << 32) | (b & 0xffffffffL);
    }

    private RunConfig runConfig(Examples.Split split) {
        double fraction = (double) split.train().size() / (split.train().size() + split.test().size());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("p", p);
        m.put("train_fraction", fraction);
        m.put("seed", seed);
        m.put("steps", steps);
        m.put("checkpoint_every", checkpointEvery);
        m.put("eval_every", evalEvery);
        m.put("lr", lr);
        m.put("weight_decay", weightDecay);
        m.put("beta1", beta1);
        m.put("beta2", beta2);
        m.put("eps", eps);
        m.put("warmup_steps", warmupSteps);
        m.put("d_model", dModel);
        m.put("n_heads", nHeads);
        m.put("d_head", dHead);
        m.put("d_mlp", dMlp);
        return RunConfig.fromMap(m).validate();
    }

    /** 8 bytes of SHA-256 over the trajectory-defining settings and the training examples in order. */
    private static String hash(RunConfig cfg, Examples train) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(cfg.identity().toString().getBytes(StandardCharsets.UTF_8));
            d.update(Arrays.toString(train.tokens()).getBytes(StandardCharsets.UTF_8));
            d.update(Arrays.toString(train.labels()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int getInvocationCount() {
        return trainInvocationCounter;
    }

    @Override
    public synchronized void setInvocationCount(int invocationCount) {
        if (invocationCount < 0) {
            throw new IllegalArgumentException("invocation count must be >= 0, got " + invocationCount);
        }
        trainInvocationCounter = invocationCount;
    }

    @Override
    public TrainerProvenance getProvenance() {
        return new TrainerProvenanceImpl(this);
    }

    @Override
    public String toString() {
        return "TransformerTrainer(task=" + task + ", p=" + p + ", seed=" + seed + ", steps=" + steps + ", lr=" + lr
                + ", weightDecay=" + weightDecay + ", archive=" + archive + ")";
    }
}
