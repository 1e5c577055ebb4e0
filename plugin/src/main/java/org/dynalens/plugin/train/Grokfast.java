package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import org.dynalens.archive.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Grokfast-EMA (Lee et al. 2024, "Grokfast: Accelerated Grokking by Amplifying Slow Gradients", Algorithm 2): a
 * low-pass filter of each parameter's gradient, added back amplified before the optimiser sees it:
 * {@code h <- alpha * h + (1 - alpha) * g;  g <- g + lambda * h}.
 *
 * <p>As in the authors' released {@code gradfilter_ema}, the filter state starts as the first gradient (not zero),
 * so the first filtered gradient is {@code g0 + lambda * g0}. The state is saved with the optimiser's
 * ({@code optim/grokfast_ema/<param>}) so that a resumed run continues bitwise identically.
 */
public final class Grokfast {

    /** Prefix of the filter state inside the optimiser group of a checkpoint. */
    public static final String STATE_PREFIX = "grokfast_ema/";

    private final double alpha;
    private final double lambda;
    private final Map<String, NDArray> ema = new LinkedHashMap<>();

    public Grokfast(double alpha, double lambda) {
        if (!(alpha >= 0 && alpha < 1)) throw new IllegalArgumentException("grokfast alpha must be in [0, 1), got " + alpha);
        if (!(lambda >= 0)) throw new IllegalArgumentException("grokfast lambda must be >= 0, got " + lambda);
        this.alpha = alpha;
        this.lambda = lambda;
    }

    /**
     * Filters {@code gradient} of parameter {@code name} in place. Runs outside autograd (the optimiser's update);
     * the filter state is allocated on {@code stateManager} so it outlives the caller's scope.
     */
    public void filter(String name, NDArray gradient, NDManager stateManager) {
        NDArray h = ema.get(name);
        if (h == null) {
            h = stateManager.create(gradient.toFloatArray(), gradient.getShape());
            NDScope.unregister(h); // the training step's scope would close it; the state must outlive the step
            ema.put(name, h);
        } else {
            h.muli((float) alpha).addi(gradient.mul((float) (1 - alpha)));
        }
        gradient.addi(h.mul((float) lambda));
    }

    /** The filter state as archive tensors; empty before the first gradient. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        ema.forEach((name, h) -> out.put(STATE_PREFIX + name, Tensor.of(h.toFloatArray(), shape(h))));
        return out;
    }

    /** Restores the state written by {@link #state} from an optimiser group (other entries are ignored). */
    public void load(Map<String, Tensor> optimiserState, Map<String, NDArray> params, NDManager stateManager) {
        ema.clear();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            Tensor t = optimiserState.get(STATE_PREFIX + e.getKey());
            if (t != null) ema.put(e.getKey(), stateManager.create(t.floats(), e.getValue().getShape()));
        }
        if (!ema.isEmpty() && ema.size() != params.size()) {
            throw new IllegalArgumentException("grokfast state covers " + ema.size() + " of " + params.size() + " parameters");
        }
    }

    private static int[] shape(NDArray a) {
        int[] out = new int[a.getShape().dimension()];
        for (int i = 0; i < out.length; i++) out[i] = (int) a.getShape().get(i);
        return out;
    }
}
