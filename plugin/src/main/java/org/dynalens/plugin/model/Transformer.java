package org.dynalens.plugin.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.dynalens.archive.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The transformer of Nanda et al. 2023 ("Progress measures for grokking via mechanistic interpretability"),
 * written out in one readable file with TransformerLens parameter names and shapes:
 * <pre>
 * embed.W_E              [d_vocab, d_model]
 * pos_embed.W_pos        [n_ctx, d_model]
 * blocks.L.attn.W_Q/W_K/W_V [n_heads, d_model, d_head]     (no attention biases)
 * blocks.L.attn.W_O      [n_heads, d_head, d_model]
 * blocks.L.mlp.W_in      [d_model, d_mlp], b_in [d_mlp]    (ReLU)
 * blocks.L.mlp.W_out     [d_mlp, d_model], b_out [d_model]
 * unembed.W_U            [d_model, d_vocab_out]            (no unembedding bias)
 * </pre>
 * No LayerNorm, causal attention, learned positional embedding. Logits are needed at the last position only, so
 * the final layer computes its attention query there alone (keys and values still cover every position): the
 * output is identical to computing every position and keeping the last, at a fraction of the cost.
 *
 * <p>Note: Nanda's original code keeps a 114th unembedding column whose logit is sliced away before the loss;
 * it gets no gradient and only decays. Like TransformerLens ({@code d_vocab_out = p}) we leave it out: 226,688
 * parameters for p = 113 instead of 226,816, the same function and the same training dynamics.
 */
public final class Transformer implements AutoCloseable {

    private final ModelConfig cfg;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();

    private Transformer(ModelConfig cfg, NDManager manager) {
        this.cfg = cfg;
        this.manager = manager;
    }

    /**
     * A freshly initialised model. Initialisation happens in Java from {@code seed} (normal(0, 1) / sqrt(d_model),
     * W_U / sqrt(d_vocab_out), biases zero, as in Nanda's code), so it is identical on every machine and engine.
     */
    public static Transformer initialise(ModelConfig cfg, long seed, NDManager manager) {
        Transformer t = new Transformer(cfg, manager);
        Random rng = new Random(seed);
        double s = 1 / Math.sqrt(cfg.dModel());
        t.add("embed.W_E", normal(rng, s, cfg.dVocab(), cfg.dModel()));
        t.add("pos_embed.W_pos", normal(rng, s, cfg.nCtx(), cfg.dModel()));
        for (int l = 0; l < cfg.nLayers(); l++) {
            String b = "blocks." + l + ".";
            t.add(b + "attn.W_Q", normal(rng, s, cfg.nHeads(), cfg.dModel(), cfg.dHead()));
            t.add(b + "attn.W_K", normal(rng, s, cfg.nHeads(), cfg.dModel(), cfg.dHead()));
            t.add(b + "attn.W_V", normal(rng, s, cfg.nHeads(), cfg.dModel(), cfg.dHead()));
            t.add(b + "attn.W_O", normal(rng, s, cfg.nHeads(), cfg.dHead(), cfg.dModel()));
            t.add(b + "mlp.W_in", normal(rng, s, cfg.dModel(), cfg.dMlp()));
            t.add(b + "mlp.b_in", Tensor.of(new float[cfg.dMlp()], cfg.dMlp()));
            t.add(b + "mlp.W_out", normal(rng, s, cfg.dMlp(), cfg.dModel()));
            t.add(b + "mlp.b_out", Tensor.of(new float[cfg.dModel()], cfg.dModel()));
        }
        t.add("unembed.W_U", normal(rng, 1 / Math.sqrt(cfg.dVocabOut()), cfg.dModel(), cfg.dVocabOut()));
        return t;
    }

    /** A model holding the given weights (e.g. read from a checkpoint); every expected name must be present. */
    public static Transformer fromTensors(ModelConfig cfg, Map<String, Tensor> weights, NDManager manager) {
        Transformer fresh = initialise(cfg, 0, manager);
        for (Map.Entry<String, NDArray> e : fresh.params.entrySet()) {
            Tensor w = weights.get(e.getKey());
            if (w == null) throw new IllegalArgumentException("checkpoint has no parameter " + e.getKey());
            if (!new Shape(toLong(w.shape())).equals(e.getValue().getShape())) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " has shape " + java.util.Arrays.toString(w.shape())
                        + " but the model needs " + e.getValue().getShape());
            }
            e.getValue().set(w.floats());
        }
        return fresh;
    }

    private void add(String name, Tensor init) {
        NDArray a = manager.create(init.floats(), new Shape(toLong(init.shape())));
        a.setRequiresGradient(true);
        params.put(name, a);
    }

    private static Tensor normal(Random rng, double scale, int... shape) {
        float[] v = new float[(int) Tensor.size(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextGaussian() * scale);
        return Tensor.of(v, shape);
    }

    public ModelConfig config() {
        return cfg;
    }

    /** The trainable parameters by TransformerLens name, in a fixed order. */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /** Copies the weights out as archive tensors. */
    public Map<String, Tensor> toTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, Tensor.of(v.toFloatArray(), toInt(v.getShape()))));
        return out;
    }

    /**
     * Logits at the last position for a batch of token sequences.
     *
     * @param tokens int32 [batch, n_ctx]
     * @return float32 [batch, d_vocab_out]
     */
    public NDArray lastLogits(NDArray tokens) {
        long batch = tokens.getShape().get(0);
        long ctx = tokens.getShape().get(1);
        // resid: [batch, ctx, d_model]
        NDArray resid = p("embed.W_E").get(tokens).add(p("pos_embed.W_pos").get(new NDIndex(":{}", ctx)));
        for (int l = 0; l < cfg.nLayers(); l++) {
            boolean last = l == cfg.nLayers() - 1;
            if (!last) {
                throw new UnsupportedOperationException("multi-layer forward over every position is not built yet");
            }
            resid = resid.get(new NDIndex(":, -1, :")).add(attentionAtLast(l, resid, batch, ctx));
            resid = resid.add(mlp(l, resid));
        }
        return resid.matMul(p("unembed.W_U"));
    }

    /** Attention output at the last position: [batch, d_model]. The last position may attend to every position. */
    private NDArray attentionAtLast(int layer, NDArray resid, long batch, long ctx) {
        String b = "blocks." + layer + ".attn.";
        int h = cfg.nHeads();
        int dh = cfg.dHead();
        NDArray q = resid.get(new NDIndex(":, -1, :")).matMul(headsAsColumns(p(b + "W_Q")))
                .reshape(batch, h, 1, dh);
        NDArray k = resid.matMul(headsAsColumns(p(b + "W_K"))).reshape(batch, ctx, h, dh).transpose(0, 2, 3, 1);
        NDArray v = resid.matMul(headsAsColumns(p(b + "W_V"))).reshape(batch, ctx, h, dh).transpose(0, 2, 1, 3);
        NDArray pattern = q.matMul(k).div(Math.sqrt(dh)).softmax(-1);        // [batch, h, 1, ctx]
        NDArray z = pattern.matMul(v).reshape(batch, (long) h * dh);        // [batch, h * d_head]
        return z.matMul(p(b + "W_O").reshape((long) h * dh, cfg.dModel()));
    }

    private NDArray mlp(int layer, NDArray resid) {
        String b = "blocks." + layer + ".mlp.";
        NDArray hidden = resid.matMul(p(b + "W_in")).add(p(b + "b_in")).maximum(0f);
        return hidden.matMul(p(b + "W_out")).add(p(b + "b_out"));
    }

    /** [n_heads, d_model, d_head] as [d_model, n_heads * d_head], so all heads project in one matmul. */
    private NDArray headsAsColumns(NDArray w) {
        return w.transpose(1, 0, 2).reshape(cfg.dModel(), (long) cfg.nHeads() * cfg.dHead());
    }

    private NDArray p(String name) {
        return params.get(name);
    }

    /** Sum of squared weights over every parameter (Nanda et al.'s "total sum of squared weights"). */
    public double sumOfSquaredWeights() {
        double s = 0;
        for (NDArray a : params.values()) {
            try (NDArray sq = a.square(); NDArray sum = sq.sum(); NDArray d = sum.toType(DataType.FLOAT64, false)) {
                s += d.getDouble();
            }
        }
        return s;
    }

    @Override
    public void close() {
        params.values().forEach(NDArray::close);
    }

    static long[] toLong(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) out[i] = shape[i];
        return out;
    }

    static int[] toInt(Shape shape) {
        int[] out = new int[shape.dimension()];
        for (int i = 0; i < out.length; i++) out[i] = Math.toIntExact(shape.get(i));
        return out;
    }
}
