package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.SequenceBatch;
import org.dynalens.plugin.task.SequenceTask;
import org.dynalens.plugin.task.Task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The dynalens side of the training benchmark ({@code bench/run.sh}, docs/TRAINING-PERFORMANCE.md). Not a test:
 * a main class on the plugin's test classpath (package-private access to the loss functions). Every result is
 * printed as {@code RESULT <key> <value>}; {@code bench/run.sh} pairs them with the PyTorch script's results and
 * prints the ratios. The intra-op thread count is the engine's ({@code -Dai.djl.pytorch.num_threads=N}).
 *
 * <pre>
 * steps    [warmup] [timed]   ms per training step: grokking (p=113, frac 0.3, d_model 128, full batch) and the
 *                             2-layer attention-only induction model (repeated tokens, batch 64), with phases
 * overhead STEPS              TrainingRun.train for STEPS steps, checkpoint every 100 vs only at the end (eval
 *                             every 100 in both), order A B B A without analyses, then every 100 with analyses;
 *                             plus the time each checkpoint write took in-run (onEval to onCheckpoint)
 * memory   STEPS [marks...]   VmRSS (and heap used) at the given steps of a default grokking run
 * read     DIR [N]            writes a run of N (400) grokking-shaped checkpoints into DIR once, then times reading
 *                             params/blocks.0.mlp.W_in across all of them with RunArchive.readTensor
 * gemm     [warmup] [timed]   the floor under the grokking step: only its matrix products (the 4 forward products of
 *                             the full batch, W_O, W_in, W_out, W_U, and the 8 of their backward pass), ms per step
 * </pre>
 */
public final class TrainingBench {

    public static final String READ_PARAM = "params/blocks.0.mlp.W_in";

    private TrainingBench() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "steps" -> steps(intArg(args, 1, 5), intArg(args, 2, 30));
            case "overhead" -> overhead(intArg(args, 1, 1000));
            case "memory" -> memory(args);
            case "read" -> read(Path.of(args[1]), intArg(args, 2, 400));
            case "gemm" -> gemm(intArg(args, 1, 5), intArg(args, 2, 30));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static int intArg(String[] a, int i, int dflt) {
        return a.length > i ? Integer.parseInt(a[i]) : dflt;
    }

    private static void result(String key, double value) {
        System.out.printf("RESULT %s %.4f%n", key, value);
        System.out.flush();
    }

    // ---- the matrix products of a grokking step alone ---------------------------------------------------------

    /**
     * The products that dominate a grokking step's arithmetic, each with the shapes {@code lastLogits} uses for the
     * full batch: [n, d_model] x W_O (heads concatenated, [128, 128]), x W_in [128, 512], [n, 512] x W_out [512, 128],
     * [n, 128] x W_U [128, 113]; and for each, the backward pass's dX = dY W^T and dW = X^T dY. bench/grokking_torch.py
     * times the same twelve products in PyTorch. Whatever else a step does comes on top of this.
     */
    private static void gemm(int warmup, int timed) {
        RunConfig cfg = RunConfig.defaults();
        int n = cfg.split(cfg.createTask()).train().size();
        long[][] products = {{n, 128, 128}, {n, 128, 512}, {n, 512, 128}, {n, 128, 113}}; // rows, inner, columns
        try (NDManager manager = Djl.newManager()) {
            Random rng = new Random(0);
            List<NDArray[]> operands = new ArrayList<>();
            for (long[] p : products) {
                operands.add(new NDArray[] {random(manager, rng, p[0], p[1]), random(manager, rng, p[1], p[2]),
                        random(manager, rng, p[0], p[2])});
            }
            long[] perStep = new long[timed];
            double flops = 0;
            for (long[] p : products) flops += 3 * 2.0 * p[0] * p[1] * p[2];
            for (int s = 0; s < warmup + timed; s++) {
                long t0 = System.nanoTime();
                try (NDScope ignored = new NDScope()) {
                    for (NDArray[] o : operands) {
                        o[0].matMul(o[1]);                 // forward  Y  = X W
                        o[2].matMul(o[1].transpose());     // backward dX = dY W^T
                        o[0].transpose().matMul(o[2]);     // backward dW = X^T dY
                    }
                }
                if (s >= warmup) perStep[s - warmup] = System.nanoTime() - t0;
            }
            double ms = median(perStep) / 1e6;
            String k = "gemm_grokking_t" + System.getProperty("ai.djl.pytorch.num_threads", "1");
            result(k + "_ms", ms);
            result(k + "_gflops", flops / ms / 1e6);
        }
    }

    private static NDArray random(NDManager manager, Random rng, long rows, long cols) {
        float[] x = new float[Math.toIntExact(rows * cols)];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        return manager.create(x, new Shape(rows, cols));
    }

    // ---- ms per step ------------------------------------------------------------------------------------------

    private static void steps(int warmup, int timed) {
        String threads = System.getProperty("ai.djl.pytorch.num_threads", "1");
        grokkingSteps(threads, warmup, timed);
        inductionSteps(threads, warmup, timed * 4);
    }

    /** The full-batch training step of TrainingRun.loop without evaluation: forward, float64 loss, backward, AdamW. */
    private static void grokkingSteps(String threads, int warmup, int timed) {
        RunConfig cfg = RunConfig.defaults();
        Task task = cfg.createTask();
        Examples.Split split = cfg.split(task);
        ModelConfig mc = cfg.model(task);
        try (NDManager manager = Djl.newManager()) {
            AdamW opt = new AdamW(cfg.lr(), cfg.weightDecay(), cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.warmupSteps());
            Transformer model = Transformer.initialise(mc, cfg.seed(), manager);
            opt.initState(model.parameters(), manager);
            NDArray tokens = tokens(manager, split.train());
            NDArray oneHot = oneHot(manager, split.train().labels(), mc.dVocabOut());
            NDArray labels = manager.create(split.train().labels());
            long[] phase = new long[4]; // forward, loss, backward, optimiser
            long[] perStep = new long[timed];
            double loss = 0;
            for (int s = 0; s < warmup + timed; s++) {
                long t0 = System.nanoTime(), t1, t2, t3, t4;
                try (NDScope ignored = new NDScope()) {
                    try (GradientCollector c = Djl.engine().newGradientCollector()) {
                        NDArray logits = model.lastLogits(tokens);
                        t1 = System.nanoTime();
                        TrainingRun.LossAndAccuracy l = TrainingRun.crossEntropy64(logits, oneHot, labels, true);
                        loss = l.loss();
                        t2 = System.nanoTime();
                        c.backward(logits.mul(l.gradient()).sum());
                        t3 = System.nanoTime();
                    }
                    opt.update(model.parameters());
                    t4 = System.nanoTime();
                }
                if (s >= warmup) record(phase, perStep, s - warmup, t0, t1, t2, t3, t4, System.nanoTime());
            }
            System.err.printf("grokking: %d params, train %d examples, loss after %d steps %.4f%n",
                    model.parameters().values().stream().mapToLong(a -> a.getShape().size()).sum(),
                    split.train().size(), warmup + timed, loss);
            String k = "grokking_t" + threads;
            result(k + "_ms_per_step", median(perStep) / 1e6);
            String[] names = {"forward", "loss", "backward", "optimizer"};
            for (int i = 0; i < 4; i++) result(k + "_" + names[i] + "_ms", phase[i] / 1e6 / timed);
        }
    }

    /** The mini-batch step of SequenceTrainingRun.loop (batch made from (seed, step) included), without evaluation. */
    private static void inductionSteps(String threads, int warmup, int timed) {
        Map<String, Object> settings = new LinkedHashMap<>(Map.of("task", "repeated-tokens", "n_ctx", 24,
                "vocab", 32, "d_model", 64, "n_heads", 2, "d_head", 32, "batch_size", 64, "lr", 3e-3, "seed", 0));
        RunConfig cfg = RunConfig.fromMap(settings).validate();
        SequenceTask task = cfg.createSequenceTask();
        ModelConfig mc = cfg.sequenceModel(task);
        try (NDManager manager = Djl.newManager()) {
            AdamW opt = new AdamW(cfg.lr(), cfg.weightDecay(), cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.warmupSteps());
            Transformer model = Transformer.initialise(mc, cfg.seed(), manager);
            opt.initState(model.parameters(), manager);
            long[] phase = new long[4];
            long[] perStep = new long[timed];
            double loss = 0;
            for (int s = 0; s < warmup + timed; s++) {
                long t0 = System.nanoTime(), t1, t2, t3, t4;
                try (NDScope ignored = new NDScope()) {
                    SequenceBatch batch = task.batch(cfg.seed(), s, cfg.batchSize());
                    try (GradientCollector c = Djl.engine().newGradientCollector()) {
                        NDArray logits = model.logits(tokens(manager, batch));
                        t1 = System.nanoTime();
                        NextTokenLoss l = NextTokenLoss.of(logits, batch, task.vocab(), true);
                        loss = l.loss();
                        t2 = System.nanoTime();
                        c.backward(logits.mul(l.gradient()).sum());
                        t3 = System.nanoTime();
                    }
                    opt.update(model.parameters());
                    t4 = System.nanoTime();
                }
                if (s >= warmup) record(phase, perStep, s - warmup, t0, t1, t2, t3, t4, System.nanoTime());
            }
            System.err.printf("induction: %s, loss after %d steps %.4f%n", mc, warmup + timed, loss);
            String k = "induction_t" + threads;
            result(k + "_ms_per_step", median(perStep) / 1e6);
            String[] names = {"forward", "loss", "backward", "optimizer"};
            for (int i = 0; i < 4; i++) result(k + "_" + names[i] + "_ms", phase[i] / 1e6 / timed);
        }
    }

    // ---- checkpoint overhead ------------------------------------------------------------------------------------

    /**
     * Order A B B A without analyses (A: checkpoint only at the end, B: every 100 steps), so that the difference is
     * the checkpoint writing alone; then C: every 100 steps with the default analyses (which run on their own thread
     * and compete for the cores), reported against A.
     */
    private static void overhead(int steps) throws IOException {
        Path dir = Files.createTempDirectory("dynalens-bench-overhead");
        double none = 0, every = 0, analysed = 0;
        List<Double> writeMs = new ArrayList<>();
        String[] order = {"none", "every", "every", "none", "every+analyses"};
        for (int i = 0; i < order.length; i++) {
            boolean ck = !order[i].equals("none");
            boolean withAnalyses = order[i].endsWith("analyses");
            Map<String, Object> m = new LinkedHashMap<>(RunConfig.defaults().withSteps(steps).toMap());
            m.put("checkpoint_every", ck ? 100 : steps);
            m.put("eval_every", 100);
            m.put("run_id", "overhead-" + i);
            RunConfig cfg = RunConfig.fromMap(m);
            long[] evalAt = {0};
            TrainingListener timer = new TrainingListener() {
                @Override
                public void onEval(long step, Map<String, Double> metrics) {
                    evalAt[0] = System.nanoTime();
                }

                @Override
                public void onCheckpoint(RunInfo info, Checkpoint c) {
                    if (ck && !withAnalyses) writeMs.add((System.nanoTime() - evalAt[0]) / 1e6);
                }
            };
            Archive archive = Archive.open(dir.resolve("a" + i));
            long t0 = System.nanoTime();
            if (withAnalyses) TrainingRun.train(cfg, archive, timer);
            else TrainingRun.train(cfg, archive, timer, List.of());
            double secs = (System.nanoTime() - t0) / 1e9;
            System.err.printf("overhead run %d (%s): %.2f s%n", i, order[i], secs);
            if (withAnalyses) analysed = secs;
            else if (ck) every += secs / 2;
            else none += secs / 2;
        }
        result("overhead_steps", steps);
        result("overhead_none_s", none);
        result("overhead_every100_s", every);
        result("overhead_total_pct", 100 * (every - none) / none);
        result("overhead_every100_analyses_s", analysed);
        result("overhead_analyses_pct", 100 * (analysed - none) / none);
        result("checkpoint_write_ms_mean", writeMs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
        result("checkpoint_write_ms_max", writeMs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
        // time spent inside the checkpoint writes (weights and Adam state copied out, HDF5 written and fsynced, metrics,
        // run summary) as a share of the checkpointed runs' total time
        double sumWrite = writeMs.stream().mapToDouble(Double::doubleValue).sum();
        result("checkpoint_write_pct_of_run", 100 * sumWrite / (1000 * 2 * every));
        deleteTree(dir);
    }

    // ---- resident memory ----------------------------------------------------------------------------------------

    private static void memory(String[] args) throws IOException {
        int steps = Integer.parseInt(args[1]);
        List<Long> marks = new ArrayList<>();
        for (int i = 2; i < args.length; i++) marks.add(Long.parseLong(args[i]));
        if (marks.isEmpty()) marks.add((long) steps);
        Path dir = Files.createTempDirectory("dynalens-bench-memory");
        // eval every 10 and the default analyses as in a real run; a checkpoint every 1000 steps (not 100) to keep the
        // run short: on 2 cores the analyses of a checkpoint cost about as much CPU as 70 training steps
        Map<String, Object> m = new LinkedHashMap<>(RunConfig.defaults().withSteps(steps).toMap());
        m.put("checkpoint_every", Integer.getInteger("bench.memory.checkpoint_every", 1000));
        RunConfig cfg = RunConfig.fromMap(m);
        long t0 = System.nanoTime();
        result("memory_rss_start_mb", rssMb());
        TrainingRun.train(cfg, Archive.open(dir), new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss) {
                if (step == 100 || step % 1000 == 0 || marks.contains(step)) { // every 1000: a long run shows its trend early
                    Runtime rt = Runtime.getRuntime();
                    result("memory_rss_step" + step + "_mb", rssMb());
                    result("memory_heap_used_step" + step + "_mb", (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
                    System.err.printf("step %d after %.0f s, train loss %.4g%n", step, (System.nanoTime() - t0) / 1e9, trainLoss);
                }
            }
        });
        result("memory_run_s", (System.nanoTime() - t0) / 1e9);
        deleteTree(dir);
    }

    static double rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Double.NaN;
    }

    // ---- reading one parameter across checkpoints ----------------------------------------------------------------

    private static void read(Path dir, int n) {
        Archive archive = Archive.open(dir);
        String id = "read-bench";
        RunConfig cfg = RunConfig.defaults();
        ModelConfig mc = cfg.model(cfg.createTask());
        if (!archive.hasRun(id) || archive.run(id).checkpointSteps().size() != n) {
            RunArchive run = archive.createRun(new RunInfo(id, "mod-add", 0, Instant.now(), cfg.toMap(), Map.of(),
                    Map.of("status", "finished")));
            Random rng = new Random(1);
            try (NDManager manager = Djl.newManager()) {
                Transformer model = Transformer.initialise(mc, 0, manager);
                Map<String, Tensor> params = model.toTensors();
                for (int i = 0; i < n; i++) {
                    Map<String, Tensor> tensors = new LinkedHashMap<>();
                    // weights, Adam moments m and v: what a real checkpoint holds (values perturbed per step)
                    for (String prefix : List.of(Checkpoint.PARAMS, Checkpoint.OPTIM + "m/", Checkpoint.OPTIM + "v/")) {
                        params.forEach((k, t) -> {
                            float[] v = t.floats().clone();
                            v[rng.nextInt(v.length)] += 1;
                            tensors.put(prefix + k, Tensor.of(v, t.shape()));
                        });
                    }
                    run.writeCheckpoint(new Checkpoint(100L * i, tensors, Map.of("train_loss", 1.0 / (i + 1))));
                }
            }
        }
        RunArchive run = archive.run(id);
        List<Long> steps = run.checkpointSteps();
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            long t0 = System.nanoTime();
            double sum = 0;
            for (long s : steps) sum += run.readTensor(s, READ_PARAM).floats()[7];
            double ms = (System.nanoTime() - t0) / 1e6;
            if (rep == 0) result("read_java_first_ms", ms);
            best = Math.min(best, ms);
            if (sum == 42) System.err.println(); // keep the reads
        }
        result("read_checkpoints", steps.size());
        result("read_java_best_ms", best);
    }

    /** The median step: on a shared machine, other processes' bursts hit a few steps; the median ignores them. */
    static double median(long[] v) {
        long[] c = v.clone();
        java.util.Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2.0;
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static NDArray tokens(NDManager manager, Examples ex) {
        long[] t = new long[ex.tokens().length];
        for (int i = 0; i < t.length; i++) t[i] = ex.tokens()[i];
        return manager.create(t, new Shape(ex.size(), ex.contextLength()));
    }

    private static NDArray tokens(NDManager manager, SequenceBatch b) {
        long[] t = new long[b.tokens().length];
        for (int i = 0; i < t.length; i++) t[i] = b.tokens()[i];
        return manager.create(t, new Shape(b.size(), b.contextLength()));
    }

    private static NDArray oneHot(NDManager manager, int[] labels, int classes) {
        double[] v = new double[labels.length * classes];
        for (int i = 0; i < labels.length; i++) v[i * classes + labels[i]] = 1;
        return manager.create(v, new Shape(labels.length, classes));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Adds one timed step: the four phases between the stamps t0..t4 and the whole step t0..end. */
    private static void record(long[] phase, long[] perStep, int step, long t0, long t1, long t2, long t3, long t4, long end) {
        phase[0] += t1 - t0;
        phase[1] += t2 - t1;
        phase[2] += t3 - t2;
        phase[3] += t4 - t3;
        perStep[step] = end - t0;
    }
}
