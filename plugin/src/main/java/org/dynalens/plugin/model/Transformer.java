package org.dynalens.plugin.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.dynalens.archive.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
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
 * attention is computed for the last query alone (keys and values still cover every position): the output is
 * identical to computing every position and keeping the last, at a fraction of the cost.
 *
 * <p>Note: Nanda's original code keeps a 114th unembedding column whose logit is sliced away before the loss;
 * it gets no gradient and only decays. Like TransformerLens ({@code d_vocab_out = p}) we leave it out: 226,688
 * parameters for p = 113 instead of 226,816, the same function and the same training dynamics.
 *
 * <p>The same class is the general model for next-token tasks ({@link #logits}): n layers, optionally
 * attention-only (no {@code mlp.*}, Olsson et al. 2022) and optionally with pre-LN LayerNorms
 * ({@code blocks.L.ln1.w/b}, {@code blocks.L.ln2.w/b}, {@code ln_final.w/b}, TransformerLens names), logits at every
 * position under a causal mask, and every head's attention pattern for analyses ({@link #attentionPatterns}),
 * and optionally shortformer positional embeddings ({@link ModelConfig.PositionalEmbedding#SHORTFORMER}) or rotary
 * positions instead of {@code pos_embed.W_pos} ({@link ModelConfig.PositionalEmbedding#ROTARY}), and optionally
 * smeared keys ({@link ModelConfig#smearedKeys()}, one extra parameter per head, {@code blocks.L.attn.smear_alpha}
 * [n_heads]; TransformerLens has no name for it).
 * The grokking configuration draws exactly the same initial weights as before those options existed.
 */
public final class Transformer implements AutoCloseable {

    private final ModelConfig cfg;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    /**
     * The scalars of the forward pass, held for the model's lifetime. DJL's {@code div(Number)} and
     * {@code maximum(Number)} wrap the number in a temporary array on a direct buffer (torch::from_blob, which does not
     * own the memory) and close that array right after the op; autograd keeps the op's operand for the backward pass,
     * so once the garbage collector frees the buffer the backward reads freed memory. Under GC pressure (a background
     * thread allocating) training went NaN at step 1. These are the same arrays DJL would make (float64 sqrt(d_head),
     * float32 0), so the arithmetic is bit for bit unchanged; they are just kept alive.
     */
    private final NDArray sqrtDHead;
    private final NDArray zero;

    private Transformer(ModelConfig cfg, NDManager manager) {
        this.cfg = cfg;
        this.manager = manager;
        this.sqrtDHead = manager.create(Math.sqrt(cfg.dHead()));
        this.zero = manager.create(0f);
        // never closed by an NDScope the model happens to be created in
        ai.djl.ndarray.NDScope.unregister(sqrtDHead, zero);
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
        if (cfg.positionalEmbedding() != ModelConfig.PositionalEmbedding.ROTARY) {
            t.add("pos_embed.W_pos", normal(rng, s, cfg.nCtx(), cfg.dModel()));
        }
        for (int l = 0; l < cfg.nLayers(); l++) {
            String b = "blocks." + l + ".";
            t.add(b + "attn.W_Q", normal(rng, s, cfg.nHeads(), cfg.dModel(), cfg.dHead()));
            t.add(b + "attn.W_K", normal(rng, s, cfg.nHeads(), cfg.dModel(), cfg.dHead()));
            t.add(b + "attn.W_V", normal(rng, s, cfg.nHeads(), cfg.dModel(), cfg.dHead()));
            t.add(b + "attn.W_O", normal(rng, s, cfg.nHeads(), cfg.dHead(), cfg.dModel()));
            if (!cfg.attnOnly()) {
                t.add(b + "mlp.W_in", normal(rng, s, cfg.dModel(), cfg.dMlp()));
                t.add(b + "mlp.b_in", Tensor.of(new float[cfg.dMlp()], cfg.dMlp()));
                t.add(b + "mlp.W_out", normal(rng, s, cfg.dMlp(), cfg.dModel()));
                t.add(b + "mlp.b_out", Tensor.of(new float[cfg.dModel()], cfg.dModel()));
            }
            if (cfg.layerNorm()) { // gain 1, bias 0: no random numbers drawn, so the other weights do not move
                t.addLayerNorm(b + "ln1");
                if (!cfg.attnOnly()) t.addLayerNorm(b + "ln2");
            }
            if (cfg.smearedKeys()) { // alpha 0: sigmoid 1/2, an even mix, where the gradient of the mix is largest
                t.add(b + "attn.smear_alpha", Tensor.of(new float[cfg.nHeads()], cfg.nHeads()));
            }
        }
        if (cfg.layerNorm()) t.addLayerNorm("ln_final");
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

    private void addLayerNorm(String prefix) {
        float[] ones = new float[cfg.dModel()];
        java.util.Arrays.fill(ones, 1f);
        add(prefix + ".w", Tensor.of(ones, cfg.dModel()));
        add(prefix + ".b", Tensor.of(new float[cfg.dModel()], cfg.dModel()));
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
     * <p>In a one-layer model the residual stream entering attention at position i depends only on the token
     * there, so keys, values and the last position's query are computed once per (position, token) as tables of
     * n_ctx x d_vocab rows and then gathered per example, instead of projecting n x n_ctx residual vectors. The
     * result is the same function (summation order aside) for a fraction of the work: for p = 113 the tables have
     * 342 rows while a full batch has 11,490 positions.
     *
     * @param tokens int64 [batch, n_ctx]
     * @return float32 [batch, d_vocab_out]
     */
    public NDArray lastLogits(NDArray tokens) {
        if (cfg.nLayers() != 1 || cfg.positionalEmbedding() != ModelConfig.PositionalEmbedding.STANDARD) {
            throw new UnsupportedOperationException("lastLogits is the 1-layer grokking model with standard positions");
        }
        long batch = tokens.getShape().get(0);
        long ctx = tokens.getShape().get(1);
        long vocab = cfg.dVocab();
        int h = cfg.nHeads();
        int dh = cfg.dHead();
        String b = "blocks.0.attn.";

        // embedded[i, t] = W_E[t] + W_pos[i]: the residual stream of token t at position i, [ctx, vocab, d_model]
        NDArray embedded = p("embed.W_E").expandDims(0).add(p("pos_embed.W_pos").get(new NDIndex(":{}", ctx)).expandDims(1));
        NDArray rows = embedded.reshape(ctx * vocab, cfg.dModel());
        NDArray keyTable = rows.matMul(headsAsColumns(p(b + "W_K")));              // [ctx * vocab, h * d_head]
        NDArray valueTable = rows.matMul(headsAsColumns(p(b + "W_V")));
        NDArray lastEmbedded = embedded.get(ctx - 1);                               // [vocab, d_model]
        NDArray queryTable = lastEmbedded.matMul(headsAsColumns(p(b + "W_Q")));    // [vocab, h * d_head]

        NDArray rowOfToken = tokens.add(positionOffsets(ctx, tokens.getManager()));  // row of (i, token) in the tables
        NDArray lastToken = tokens.get(new NDIndex(":, -1"));
        NDArray k = keyTable.get(rowOfToken).reshape(batch, ctx, h, dh);
        NDArray v = valueTable.get(rowOfToken).reshape(batch, ctx, h, dh);
        NDArray q = queryTable.get(lastToken).reshape(batch, 1, h, dh);

        // the last position attends to every position (the causal mask removes nothing there)
        NDArray pattern = q.mul(k).sum(new int[] {3}).div(sqrtDHead).softmax(1); // [batch, ctx, h]
        NDArray z = pattern.expandDims(3).mul(v).sum(new int[] {1}).reshape(batch, (long) h * dh);
        NDArray attnOut = z.matMul(p(b + "W_O").reshape((long) h * dh, cfg.dModel()));

        NDArray resid = lastEmbedded.get(lastToken).add(attnOut);
        resid = resid.add(mlp(0, resid));
        return resid.matMul(p("unembed.W_U"));
    }

    /**
     * Logits at every position, each position seeing only itself and earlier positions (causal mask): the
     * general forward pass for any number of layers, attention-only or with MLPs, with or without LayerNorm. Used
     * for next-token training; the grokking model keeps its faster {@link #lastLogits}.
     *
     * @param tokens int64 [batch, n] with n &lt;= n_ctx
     * @return float32 [batch, n, d_vocab_out]
     */
    public NDArray logits(NDArray tokens) {
        return forward(tokens, null);
    }

    /**
     * Every head's attention pattern on a batch, one array per layer: float32 [batch, n_heads, query, key],
     * rows summing to 1 and zero above the diagonal. For analyses: call it outside a GradientCollector.
     */
    public List<NDArray> attentionPatterns(NDArray tokens) {
        List<NDArray> patterns = new ArrayList<>();
        forward(tokens, patterns);
        return patterns;
    }

    /** Pre-LN residual stream forward; collects the patterns into {@code patterns} when it is not null. */
    private NDArray forward(NDArray tokens, List<NDArray> patterns) {
        long batch = tokens.getShape().get(0);
        long n = tokens.getShape().get(1);
        if (n > cfg.nCtx()) throw new IllegalArgumentException("sequence of " + n + " tokens exceeds n_ctx " + cfg.nCtx());
        int h = cfg.nHeads();
        int dh = cfg.dHead();
        ModelConfig.PositionalEmbedding positions = cfg.positionalEmbedding();
        boolean shortformer = positions == ModelConfig.PositionalEmbedding.SHORTFORMER;
        boolean rotary = positions == ModelConfig.PositionalEmbedding.ROTARY;
        NDArray pos = rotary ? null : p("pos_embed.W_pos").get(new NDIndex(":{}", n)); // [n, d]
        NDArray resid = shortformer || rotary ? p("embed.W_E").get(tokens) : p("embed.W_E").get(tokens).add(pos); // [batch, n, d]
        NDArray mask = n == cfg.nCtx() ? constants().causalMask : constants().causalMask.get(new NDIndex(":{}, :{}", n, n)); // [n, n]
        for (int l = 0; l < cfg.nLayers(); l++) {
            String b = "blocks." + l + ".";
            NDArray x = cfg.layerNorm() ? layerNorm(b + "ln1", resid) : resid;
            NDArray qkIn = shortformer ? x.add(pos) : x; // shortformer: positions reach queries and keys only
            NDArray q = splitHeads(qkIn.matMul(headsAsColumns(p(b + "attn.W_Q"))), batch, n);   // [batch, h, n, d_head]
            NDArray k = splitHeads(qkIn.matMul(headsAsColumns(p(b + "attn.W_K"))), batch, n);
            if (rotary) {
                q = rotate(q, n);
                k = rotate(k, n);
            }
            if (cfg.smearedKeys()) k = smear(k, p(b + "attn.smear_alpha"), n);
            NDArray v = splitHeads(x.matMul(headsAsColumns(p(b + "attn.W_V"))), batch, n);
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(sqrtDHead).add(mask); // [batch, h, query, key]
            NDArray pattern = scores.softmax(3);
            if (patterns != null) patterns.add(pattern);
            NDArray z = pattern.matMul(v).transpose(0, 2, 1, 3).reshape(batch, n, (long) h * dh);
            resid = resid.add(z.matMul(p(b + "attn.W_O").reshape((long) h * dh, cfg.dModel())));
            if (!cfg.attnOnly()) {
                NDArray x2 = cfg.layerNorm() ? layerNorm(b + "ln2", resid) : resid;
                NDArray hidden = Activation.relu(x2.matMul(p(b + "mlp.W_in")).add(p(b + "mlp.b_in"))); // no Java-number operand
                resid = resid.add(hidden.matMul(p(b + "mlp.W_out")).add(p(b + "mlp.b_out")));
            }
        }
        if (cfg.layerNorm()) resid = layerNorm("ln_final", resid);
        return resid.matMul(p("unembed.W_U"));
    }

    /**
     * Rotary positions (Su et al. 2021, eq. 34, GPT-NeoX layout as in TransformerLens): dimension i &lt; d_head / 2 and
     * dimension i + d_head / 2 of the vector at position p are rotated together by the angle p * 10000^(-2i / d_head):
     * {@code x * cos + rotateHalf(x) * sin}, with {@code rotateHalf(x) = [-x_second_half, x_first_half]}.
     *
     * @param x [batch, h, n, d_head]
     */
    private NDArray rotate(NDArray x, long n) {
        int half = cfg.dHead() / 2;
        NDArray cos = n == cfg.nCtx() ? constants().rotaryCos : constants().rotaryCos.get(new NDIndex(":{}", n)); // [n, d_head]
        NDArray sin = n == cfg.nCtx() ? constants().rotarySin : constants().rotarySin.get(new NDIndex(":{}", n));
        NDArray rotatedHalf = NDArrays.concat(new NDList(x.get(new NDIndex("..., {}:", half)).neg(),
                x.get(new NDIndex("..., :{}", half))), -1);
        return x.mul(cos).add(rotatedHalf.mul(sin));
    }

    /**
     * Smeared keys (Olsson et al. 2022, Argument 2): {@code k'_j = sigmoid(alpha_h) k_j + (1 - sigmoid(alpha_h)) k_(j-1)}
     * for every head h, and {@code k'_0 = k_0} (the first token has no previous key to smear in).
     *
     * @param k     [batch, h, n, d_head]
     * @param alpha [h], one learned mix per head
     */
    private NDArray smear(NDArray k, NDArray alpha, long n) {
        NDArray previous = n == 1 ? k : NDArrays.concat(new NDList(k.get(new NDIndex(":, :, :1")),
                k.get(new NDIndex(":, :, :{}", n - 1))), 2);
        NDArray mix = Activation.sigmoid(alpha).reshape(cfg.nHeads(), 1, 1);
        return previous.add(k.sub(previous).mul(mix));
    }

    /** [batch, n, h * d_head] as [batch, h, n, d_head]. */
    private NDArray splitHeads(NDArray a, long batch, long n) {
        return a.reshape(batch, n, cfg.nHeads(), cfg.dHead()).transpose(0, 2, 1, 3);
    }

    /**
     * Constant arrays of the general forward pass, made once and held by the model for its whole life, for the same
     * reason as {@link #sqrtDHead}: no Java-number operand may appear inside the differentiated part of
     * {@link #logits} (measured on the 2-layer model: NaN gradients in about one run of five before, none after).
     *
     * @param causalMask [n_ctx, n_ctx]: 0 on and below the diagonal, {@link #MASKED} above (query i sees keys 0..i)
     * @param lnEps      scalar 1e-5, the LayerNorm epsilon
     * @param rotaryCos  [n_ctx, d_head] cosines of the rotary angles; null unless the model has rotary positions
     * @param rotarySin  [n_ctx, d_head] their sines; null likewise
     */
    private record Constants(NDArray causalMask, NDArray lnEps, NDArray rotaryCos, NDArray rotarySin) {
    }

    /**
     * Score added above the diagonal: exp underflows to exactly 0 (-inf would do the same; a finite value keeps
     * NaN out of any (-inf) - (-inf) in kernels).
     */
    private static final float MASKED = -1e9f;

    private Constants constants;

    /** Made on first use; like the parameters, outside any NDScope (a scope would close them with its step). */
    private Constants constants() {
        if (constants == null) {
            int n = cfg.nCtx();
            float[] v = new float[n * n];
            for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) v[i * n + j] = MASKED;
            NDArray mask = manager.create(v, new Shape(n, n));
            NDArray eps = manager.create(1e-5f);
            NDArray rotaryCos = null, rotarySin = null;
            if (cfg.positionalEmbedding() == ModelConfig.PositionalEmbedding.ROTARY) {
                // rotary angles p * 10000^(-2i / d_head) for dimensions i and i + d_head / 2 (see rotate)
                int dh = cfg.dHead(), half = dh / 2;
                float[] cos = new float[n * dh], sin = new float[n * dh];
                for (int p = 0; p < n; p++) {
                    for (int i = 0; i < half; i++) {
                        double angle = p * Math.pow(10000, -2.0 * i / dh);
                        cos[p * dh + i] = cos[p * dh + i + half] = (float) Math.cos(angle);
                        sin[p * dh + i] = sin[p * dh + i + half] = (float) Math.sin(angle);
                    }
                }
                rotaryCos = manager.create(cos, new Shape(n, dh));
                rotarySin = manager.create(sin, new Shape(n, dh));
                NDScope.unregister(rotaryCos, rotarySin);
            }
            NDScope.unregister(mask, eps);
            constants = new Constants(mask, eps, rotaryCos, rotarySin);
        }
        return constants;
    }

    /** TransformerLens LayerNorm: centre, divide by sqrt(variance + 1e-5) (biased variance), scale by w, add b. */
    private NDArray layerNorm(String prefix, NDArray x) {
        NDArray centred = x.sub(x.mean(new int[] {-1}, true));
        NDArray scale = centred.square().mean(new int[] {-1}, true).add(constants().lnEps).sqrt();
        return centred.div(scale).mul(p(prefix + ".w")).add(p(prefix + ".b"));
    }

    /** [[0, vocab, 2 vocab, ...]]: added to tokens, gives each (position, token) pair its table row. */
    private NDArray positionOffsets(long ctx, NDManager m) {
        return m.arange(0, (int) ctx * cfg.dVocab(), cfg.dVocab(), DataType.INT64).expandDims(0);
    }

    private NDArray mlp(int layer, NDArray resid) {
        String b = "blocks." + layer + ".mlp.";
        NDArray hidden = resid.matMul(p(b + "W_in")).add(p(b + "b_in")).maximum(zero);
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
        sqrtDHead.close();
        zero.close();
        if (constants != null) {
            java.util.stream.Stream.of(constants.causalMask, constants.lnEps, constants.rotaryCos, constants.rotarySin)
                    .filter(java.util.Objects::nonNull).forEach(NDArray::close);
        }
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
