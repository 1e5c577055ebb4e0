package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dynalens.archive.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with decoupled weight decay (Loshchilov and Hutter 2019, Algorithm 2), step for step as
 * {@code torch.optim.AdamW}: decay {@code w -= lr * wd * w}, then Adam with bias-corrected moments and eps added
 * after the square root. DJL's own Adam adds eps before bias correction, so it is written out here.
 *
 * <p>The learning rate of update t (0-based) is {@code lr * min(t / warmup, 1)}: Nanda et al.'s linear warm-up
 * (their LambdaLR makes the very first update a no-op).
 *
 * <p>The moments of all parameters live in two flat buffers, and each update runs the element-wise arithmetic once
 * over the concatenated gradients instead of once per parameter tensor: about 6 native calls per tensor (gather the
 * gradient, apply its slice of the step, zero it) plus a dozen for the whole update, instead of about 30 per tensor.
 * On these small models a call can cost more than its arithmetic (issue 10, docs/TRAINING-PERFORMANCE.md). Element-wise float32 arithmetic does not depend on the layout, so the weights are
 * bitwise those of the per-tensor form ({@code AdamWTest} checks this).
 */
public final class AdamW {

    private final double lr;
    private final double weightDecay;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final int warmupSteps;
    /** Parameter names in update order, and where each one starts in the flat buffers (last entry: the total). */
    private final List<String> names = new ArrayList<>();
    private long[] offsets = {0};
    /** First and second moments of every parameter, concatenated in {@link #names} order. */
    private NDArray m;
    private NDArray v;
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

    /**
     * Allocates zero moments for every parameter unless {@link #load} restored them; call outside any NDScope so they
     * outlive the step.
     */
    public void initState(Map<String, NDArray> params, NDManager stateManager) {
        this.stateManager = stateManager;
        if (m != null) return;
        layout(params);
        m = stateManager.zeros(new Shape(offsets[offsets.length - 1]));
        v = stateManager.zeros(new Shape(offsets[offsets.length - 1]));
    }

    private void layout(Map<String, NDArray> params) {
        names.clear();
        names.addAll(params.keySet());
        offsets = new long[names.size() + 1];
        int i = 0;
        for (NDArray w : params.values()) {
            offsets[i + 1] = offsets[i] + w.getShape().size();
            i++;
        }
    }

    /**
     * Applies one update to every parameter from its gradient, then zeroes the gradients. Must run outside a
     * GradientCollector (in-place updates of leaves are not recorded). Temporaries belong to the caller's scope.
     */
    public void update(Map<String, NDArray> params) {
        if (m == null) throw new IllegalStateException("AdamW.update before initState or load");
        if (!names.equals(new ArrayList<>(params.keySet()))) {
            throw new IllegalArgumentException("AdamW was set up for parameters " + names + ", got " + params.keySet());
        }
        double lrNow = currentLearningRate();
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lrNow / bc1);
        float sqrtBc2 = (float) Math.sqrt(bc2);
        float decay = (float) (1 - lrNow * weightDecay);

        NDArray[] grads = new NDArray[names.size()];
        NDList flatGrads = new NDList(names.size());
        int i = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            grads[i] = e.getValue().getGradient();
            if (grokfast != null) grokfast.filter(e.getKey(), grads[i], stateManager);
            flatGrads.add(grads[i].reshape(-1));
            i++;
        }
        NDArray g = NDArrays.concat(flatGrads);
        m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
        v.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
        NDArray denom = v.sqrt().divi(sqrtBc2).addi((float) eps);
        NDList steps = m.div(denom).muli(stepSize).split(Arrays.copyOfRange(offsets, 1, names.size()));
        i = 0;
        for (NDArray w : params.values()) {
            if (decay != 1f) w.muli(decay); // w * 1 == w, so skipping it (weight decay 0, warm-up step 0) changes no bit
            w.subi(steps.get(i).reshape(w.getShape()));
            grads[i].subi(grads[i]); // zero it for the next backward (gradients accumulate)
            grads[i].close();
            i++;
        }
        if (mask != null) mask.apply(params, stateManager); // pruned weights stay zero (Frankle and Carbin 2019)
    }

    /** Optimiser state as archive tensors: {@code m/<name>}, {@code v/<name>} and {@code step}. */
    public Map<String, Tensor> state(Map<String, NDArray> params) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        float[] mAll = m.toFloatArray();
        float[] vAll = v.toFloatArray();
        int i = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            int[] shape = shape(e.getValue());
            int from = (int) offsets[i];
            int to = (int) offsets[i + 1];
            out.put("m/" + e.getKey(), Tensor.of(Arrays.copyOfRange(mAll, from, to), shape));
            out.put("v/" + e.getKey(), Tensor.of(Arrays.copyOfRange(vAll, from, to), shape));
            i++;
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
        layout(params);
        int total = Math.toIntExact(offsets[offsets.length - 1]);
        float[] mAll = new float[total];
        float[] vAll = new float[total];
        int i = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            Tensor mt = state.get("m/" + e.getKey());
            Tensor vt = state.get("v/" + e.getKey());
            if (mt == null || vt == null) throw new IllegalArgumentException("optimiser state lacks " + e.getKey());
            long n = offsets[i + 1] - offsets[i];
            if (mt.floats().length != n || vt.floats().length != n) {
                throw new IllegalArgumentException("optimiser state of " + e.getKey() + " has " + mt.floats().length
                        + " values, the parameter " + n);
            }
            System.arraycopy(mt.floats(), 0, mAll, (int) offsets[i], (int) n);
            System.arraycopy(vt.floats(), 0, vAll, (int) offsets[i], (int) n);
            i++;
        }
        m = stateManager.create(mAll);
        v = stateManager.create(vAll);
        if (grokfast != null) grokfast.load(state, params, stateManager);
        if (mask != null) mask.load(state);
    }

    private static int[] shape(NDArray a) {
        int[] out = new int[a.getShape().dimension()];
        for (int i = 0; i < out.length; i++) out[i] = (int) a.getShape().get(i);
        return out;
    }
}
