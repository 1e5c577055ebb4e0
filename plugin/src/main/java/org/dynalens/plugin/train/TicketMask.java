package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.task.Batches;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The pruning mask of a lottery ticket (Frankle and Carbin 2019, "The Lottery Ticket Hypothesis"; with rewinding
 * to an early step k, Frankle et al. 2020, "Linear Mode Connectivity and the Lottery Ticket Hypothesis"): one-shot
 * global magnitude pruning of a trained network, keeping the fraction {@code keep} of the weights with the largest
 * |w| over all weight matrices together ({@link #magnitude}). {@link #random} is the usual control (Frankle and
 * Carbin 2019, sec. 2, "randomly pruned"): the same number of weights kept, chosen uniformly at random, so a
 * comparison tells what the magnitude mask adds beyond the sparsity itself.
 *
 * <p>What is pruned: every parameter of rank >= 2 (embeddings, attention and MLP matrices, unembedding); biases and
 * LayerNorm parameters (rank 1) are never pruned. Exactly {@code round(keep * N)} of the N prunable weights are kept;
 * ties in |w| go to the earlier weight (parameters in name order, then row-major), so the mask is deterministic.
 *
 * <p>The mask is training state: it is applied to the weights at the start and after every optimiser update, and
 * saved with the optimiser's state ({@code optim/ticket_mask/<param>}, 1 = kept) so a resumed ticket continues
 * bitwise identically.
 */
public final class TicketMask {

    public static final String STATE_PREFIX = "ticket_mask/";

    /** 0/1 per weight for each pruned parameter; parameters not listed are kept whole. */
    private final Map<String, float[]> keep = new LinkedHashMap<>();
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();

    /** An empty mask, to be filled by {@link #load}, or use {@link #magnitude} or {@link #random}. */
    public TicketMask() {
    }

    private TicketMask(Map<String, float[]> keep) {
        this.keep.putAll(keep);
    }

    /** Whether a parameter of this shape is pruned (weight matrices are, biases and LayerNorm are not). */
    public static boolean prunable(int[] shape) {
        return shape.length >= 2;
    }

    /** The global magnitude mask of {@code weights} keeping fraction {@code fraction} of the prunable weights. */
    public static TicketMask magnitude(Map<String, Tensor> weights, double fraction) {
        Prunable w = Prunable.of(weights, fraction);
        float[] magnitude = new float[w.size()];
        for (int i = 0; i < w.names.size(); i++) {
            float[] f = weights.get(w.names.get(i)).floats();
            for (int j = 0; j < f.length; j++) magnitude[w.offsets[i] + j] = Math.abs(f[j]);
        }
        Integer[] order = new Integer[w.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(magnitude[b], magnitude[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        float[] flat = new float[w.size()];
        for (int i = 0; i < w.kept; i++) flat[order[i]] = 1;
        return w.mask(flat);
    }

    /**
     * A uniformly random mask keeping as many weights as {@link #magnitude} would: the first {@code round(fraction * N)}
     * positions of a Fisher-Yates shuffle of the N prunable positions driven by {@code SplittableRandom(seed)}.
     */
    public static TicketMask random(Map<String, Tensor> weights, double fraction, long seed) {
        Prunable w = Prunable.of(weights, fraction);
        int[] perm = Batches.permutation(w.size(), new SplittableRandom(seed));
        float[] flat = new float[w.size()];
        for (int i = 0; i < w.kept; i++) flat[perm[i]] = 1;
        return w.mask(flat);
    }

    /** The prunable parameters in name order, laid end to end, and how many of their weights a mask keeps. */
    private record Prunable(List<String> names, int[] offsets, int kept) {
        static Prunable of(Map<String, Tensor> weights, double fraction) {
            if (!(fraction > 0 && fraction <= 1)) throw new IllegalArgumentException("keep fraction must be in (0, 1], got " + fraction);
            TreeMap<String, Tensor> sorted = new TreeMap<>();
            weights.forEach((k, v) -> {
                if (prunable(v.shape())) sorted.put(k, v);
            });
            if (sorted.isEmpty()) throw new IllegalArgumentException("no prunable (rank >= 2) parameter");
            List<String> names = new ArrayList<>(sorted.keySet());
            int[] offsets = new int[names.size() + 1];
            for (int i = 0; i < names.size(); i++) offsets[i + 1] = offsets[i] + sorted.get(names.get(i)).size();
            return new Prunable(names, offsets, (int) Math.round(fraction * offsets[names.size()]));
        }

        int size() {
            return offsets[names.size()];
        }

        /** Splits a flat 0/1 mask back into one array per parameter. */
        TicketMask mask(float[] flat) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) out.put(names.get(i), Arrays.copyOfRange(flat, offsets[i], offsets[i + 1]));
            return new TicketMask(out);
        }
    }

    /** Number of weights kept, and of prunable weights in all. */
    public long keptCount() {
        long c = 0;
        for (float[] m : keep.values()) for (float v : m) c += v != 0 ? 1 : 0;
        return c;
    }

    public long prunableCount() {
        return keep.values().stream().mapToLong(m -> m.length).sum();
    }

    /** Whether the mask has been computed or loaded. */
    public boolean isEmpty() {
        return keep.isEmpty();
    }

    /** The 0/1 mask of one parameter, or null when it is not pruned. */
    public float[] of(String name) {
        float[] m = keep.get(name);
        return m == null ? null : m.clone();
    }

    /** Tensors with the mask applied (a rewind target for inspection and tests). */
    public Map<String, Tensor> applyTo(Map<String, Tensor> weights) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        weights.forEach((name, t) -> {
            float[] m = keep.get(name);
            if (m == null) {
                out.put(name, t);
                return;
            }
            float[] f = t.floats().clone();
            for (int i = 0; i < f.length; i++) f[i] *= m[i];
            out.put(name, Tensor.of(f, t.shape()));
        });
        return out;
    }

    /** Zeroes the pruned weights in place; the mask arrays live on {@code stateManager}, outside any step scope. */
    public void apply(Map<String, NDArray> params, NDManager stateManager) {
        for (Map.Entry<String, float[]> e : keep.entrySet()) {
            NDArray w = params.get(e.getKey());
            if (w == null) throw new IllegalArgumentException("the mask names parameter " + e.getKey() + ", which the model lacks");
            NDArray m = arrays.get(e.getKey());
            if (m == null) {
                m = stateManager.create(e.getValue(), w.getShape());
                NDScope.unregister(m);
                arrays.put(e.getKey(), m);
            }
            w.muli(m);
        }
    }

    /** The mask as optimiser-state tensors. */
    public Map<String, Tensor> state(Map<String, NDArray> params) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        keep.forEach((name, m) -> {
            long[] s = params.get(name).getShape().getShape();
            int[] shape = new int[s.length];
            for (int i = 0; i < s.length; i++) shape[i] = (int) s[i];
            out.put(STATE_PREFIX + name, Tensor.of(m, shape));
        });
        return out;
    }

    /** Restores the mask written by {@link #state} from an optimiser group. */
    public void load(Map<String, Tensor> optimiserState) {
        keep.clear();
        arrays.clear();
        optimiserState.forEach((k, v) -> {
            if (k.startsWith(STATE_PREFIX)) keep.put(k.substring(STATE_PREFIX.length()), v.floats());
        });
        if (keep.isEmpty()) throw new IllegalArgumentException("the checkpoint of this lottery ticket has no mask");
    }
}
