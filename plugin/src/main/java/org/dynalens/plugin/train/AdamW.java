package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.dynalens.archive.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with decoupled weight decay (Loshchilov and Hutter 2019, Algorithm 2), step for step as
 * {@code torch.optim.AdamW}: decay {@code w -= lr * wd * w}, then Adam with bias-corrected moments and eps added
 * after the square root. DJL's own Adam adds eps before bias correction, so it is written out here.
 *
 * <p>The learning rate of update t (0-based) is {@code lr * min(t / warmup, 1)}: Nanda et al.'s linear warm-up
 * (their LambdaLR makes the very first update a no-op).
 */
public final class AdamW {

    private final double lr;
    private final double weightDecay;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final int warmupSteps;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long step;
    /** Optional gradient filter applied before each update (null: plain AdamW). */
    private Grokfast grokfast;
    /** Optional lottery-ticket mask applied to the weights after each update (null: dense training). */
    private TicketMask mask;
    private NDManager stateManager;

    public AdamW(double lr, double weightDecay, double beta1, double beta2, double eps, int warmupSteps) {
        this.lr = lr;
        this.weightDecay = weightDecay;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.warmupSteps = warmupSteps;
    }

    /** The optimiser a run config asks for: AdamW, with the Grokfast filter when the config turns it on. */
    public static AdamW forConfig(RunConfig cfg) {
        AdamW a = new AdamW(cfg.lr(), cfg.weightDecay(), cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.warmupSteps());
        if (cfg.grokfast()) a.grokfast = new Grokfast(cfg.grokfastAlpha(), cfg.grokfastLambda());
        if (cfg.ticketKeep() != null) a.mask = new TicketMask(); // filled from the parent or the checkpoint
        return a;
    }

    /** Adds the Grokfast gradient filter (Lee et al. 2024) in front of the update. */
    public AdamW withGrokfast(Grokfast filter) {
        this.grokfast = filter;
        return this;
    }

    /** The lottery-ticket mask of this optimiser, or null for dense training. */
    public TicketMask mask() {
        return mask;
    }

    /** Number of updates applied so far. */
    public long step() {
        return step;
    }

    /** Learning rate of the next update. */
    public double currentLearningRate() {
        return warmupSteps <= 0 ? lr : lr * Math.min((double) step / warmupSteps, 1.0);
    }

    /** Allocates zero moments for every parameter; call outside any NDScope so they outlive the step. */
    public void initState(Map<String, NDArray> params, NDManager stateManager) {
        this.stateManager = stateManager;
        params.forEach((name, w) -> {
            m.computeIfAbsent(name, k -> stateManager.zeros(w.getShape()));
            v.computeIfAbsent(name, k -> stateManager.zeros(w.getShape()));
        });
    }

    /**
     * Applies one update to every parameter from its gradient, then zeroes the gradients. Must run outside a
     * GradientCollector (in-place updates of leaves are not recorded). Temporaries belong to the caller's scope.
     */
    public void update(Map<String, NDArray> params) {
        double lrNow = currentLearningRate();
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lrNow / bc1);
        float sqrtBc2 = (float) Math.sqrt(bc2);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray w = e.getValue();
            try (NDArray g = w.getGradient()) {
                if (grokfast != null) grokfast.filter(e.getKey(), g, stateManager);
                NDArray mi = m.get(e.getKey());
                NDArray vi = v.get(e.getKey());
                w.muli((float) (1 - lrNow * weightDecay));
                mi.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
                vi.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
                NDArray denom = vi.sqrt().divi(sqrtBc2).addi((float) eps);
                w.subi(mi.div(denom).muli(stepSize));
                g.subi(g); // zero it for the next backward (gradients accumulate)
            }
        }
        if (mask != null) mask.apply(params, stateManager); // pruned weights stay zero (Frankle and Carbin 2019)
    }

    /** Optimiser state as archive tensors: {@code m/<name>}, {@code v/<name>} and {@code step}. */
    public Map<String, Tensor> state(Map<String, NDArray> params) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray w = e.getValue();
            int[] shape = shape(w);
            NDArray mi = m.get(e.getKey());
            NDArray vi = v.get(e.getKey());
            out.put("m/" + e.getKey(), Tensor.of(mi.toFloatArray(), shape));
            out.put("v/" + e.getKey(), Tensor.of(vi.toFloatArray(), shape));
        }
        out.put("step", Tensor.of(new long[] {step}));
        if (grokfast != null) out.putAll(grokfast.state());
        if (mask != null) out.putAll(mask.state(params));
        return out;
    }

    /** Restores the state written by {@link #state}. */
    public void load(Map<String, Tensor> state, Map<String, NDArray> params, NDManager stateManager) {
        this.stateManager = stateManager;
        Tensor s = state.get("step");
        if (s == null) throw new IllegalArgumentException("optimiser state has no step");
        step = ((long[]) s.data())[0];
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            Tensor mt = state.get("m/" + e.getKey());
            Tensor vt = state.get("v/" + e.getKey());
            if (mt == null || vt == null) throw new IllegalArgumentException("optimiser state lacks " + e.getKey());
            m.put(e.getKey(), stateManager.create(mt.floats(), e.getValue().getShape()));
            v.put(e.getKey(), stateManager.create(vt.floats(), e.getValue().getShape()));
        }
        if (grokfast != null) grokfast.load(state, params, stateManager);
        if (mask != null) mask.load(state);
    }

    private static int[] shape(NDArray a) {
        int[] out = new int[a.getShape().dimension()];
        for (int i = 0; i < out.length; i++) out[i] = (int) a.getShape().get(i);
        return out;
    }
}
