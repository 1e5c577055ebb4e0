package org.dynalens.plugin.analysis.heads;

import ai.djl.ndarray.NDManager;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Previous-token, duplicate-token and induction scores of every head ({@link HeadScores}) on a fixed probe batch of
 * random tokens repeated twice (Olsson et al. 2022): {@value #PROBE_SEQUENCES} sequences of {@code L = n_ctx / 2}
 * tokens of the model's vocabulary, drawn without repetition inside a half when the vocabulary allows it (so the
 * induction score is exactly the mean attention from each second-half token to the token after its first copy),
 * then repeated. The probe depends only on the run's seed and the model shape.
 *
 * <p>Metrics: {@code induction_score_L1H0}, {@code previous_token_score_L0H1}, {@code duplicate_token_score_L1H1}, ...
 * and {@code induction_score_max}, the best induction score of a head in layer 1 or above (induction needs a
 * previous layer to compose with; in a 1-layer model, every head). Tensors: float64 [n_layers, n_heads]
 * {@code induction_score}, {@code previous_token_score}, {@code duplicate_token_score}, {@code induction_score_tl}
 * (TransformerLens head_detector form) and the int32 role flags {@code head_roles} ({@link HeadRoles}).
 */
public final class HeadScoreMeasure implements CheckpointMeasure {

    public static final int PROBE_SEQUENCES = 32;
    private final ModelConfig cfg;
    private final int[] probe;
    private final int probeLength;

    public HeadScoreMeasure(ModelConfig cfg, long seed) {
        this.cfg = cfg;
        this.probe = probeTokens(cfg.nCtx(), cfg.dVocab(), seed);
        this.probeLength = probe.length / PROBE_SEQUENCES;
    }

    /** The probe of a run: {@value #PROBE_SEQUENCES} rows of a random half of n_ctx / 2 tokens, repeated. */
    private static int[] probeTokens(int nCtx, int vocab, long seed) {
        int half = nCtx / 2;
        if (half < 2) throw new IllegalArgumentException("head scores need n_ctx >= 4, got " + nCtx);
        return repeatedRandomTokens(new SplittableRandom(seed ^ 0x1D0C_7E57L), PROBE_SEQUENCES, half, vocab);
    }

    /**
     * The scores a head with uniform causal attention (1/(q+1) on each of the keys 0..q) gets on the probe of a model
     * with this context length and vocabulary: the level a learned head's score must clear to mean anything. With
     * distinct tokens in a half of L tokens, the induction score is mean over q in [L, 2L) of 1/(q+1).
     */
    public static Map<HeadScores.Kind, Double> uniformAttentionScores(int nCtx, int vocab, long seed) {
        return HeadScores.uniformAttentionScores(PROBE_SEQUENCES, probeTokens(nCtx, vocab, seed));
    }

    /** [sequences, 2 * half] row-major: each row a random half (distinct tokens when vocab >= half), repeated. */
    static int[] repeatedRandomTokens(SplittableRandom rng, int sequences, int half, int vocab) {
        int n = 2 * half;
        int[] out = new int[sequences * n];
        int[] pool = new int[vocab];
        for (int r = 0; r < sequences; r++) {
            for (int i = 0; i < vocab; i++) pool[i] = i;
            for (int i = 0; i < half; i++) {
                int t;
                if (vocab >= half) { // partial Fisher-Yates: distinct tokens
                    int j = i + rng.nextInt(vocab - i);
                    t = pool[j];
                    pool[j] = pool[i];
                    pool[i] = t;
                } else {
                    t = rng.nextInt(vocab);
                }
                out[r * n + i] = t;
                out[r * n + half + i] = t;
            }
        }
        return out;
    }

    /**
     * Sequence {@code index} of the probe (n_ctx tokens: a random half, repeated), e.g. as the default input of an
     * attention-pattern view, so what is drawn is what the stored scores were measured on.
     */
    public int[] probeSequence(int index) {
        if (index < 0 || index >= PROBE_SEQUENCES) {
            throw new IllegalArgumentException("probe sequence must be in [0, " + PROBE_SEQUENCES + "), got " + index);
        }
        return java.util.Arrays.copyOfRange(probe, index * probeLength, (index + 1) * probeLength);
    }

    /** The probe's patterns, one per layer. */
    public List<AttentionPatterns> patterns(Transformer model, NDManager manager) {
        return patterns(model, manager, PROBE_SEQUENCES, probe);
    }

    /** The patterns of every layer of {@code model} on {@code tokens} ([sequences, n] row-major). */
    static List<AttentionPatterns> patterns(Transformer model, NDManager manager, int sequences, int[] tokens) {
        int n = tokens.length / sequences;
        return model.attentionPatterns(Djl.tokens(manager, tokens, sequences)).stream()
                .map(a -> new AttentionPatterns(sequences, model.config().nHeads(), n, a.toFloatArray(), tokens))
                .toList();
    }

    @Override
    public Measurements measure(Transformer model, NDManager manager) {
        int layers = cfg.nLayers(), heads = cfg.nHeads();
        double[] prev = new double[layers * heads], dup = new double[layers * heads], ind = new double[layers * heads];
        double[] indTl = new double[layers * heads];
        int[] roles = new int[layers * heads];
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<AttentionPatterns> patterns = patterns(model, manager);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                AttentionPatterns p = patterns.get(l);
                int i = l * heads + h;
                prev[i] = HeadScores.previousToken(p, h);
                dup[i] = HeadScores.duplicateToken(p, h);
                ind[i] = HeadScores.induction(p, h);
                indTl[i] = HeadScores.transformerLensScore(p, h, HeadScores.Kind.INDUCTION);
                roles[i] = HeadRoles.flags(prev[i], dup[i], ind[i]);
                String head = "L" + l + "H" + h;
                metrics.put("induction_score_" + head, ind[i]);
                metrics.put("previous_token_score_" + head, prev[i]);
                metrics.put("duplicate_token_score_" + head, dup[i]);
            }
        }
        metrics.put("induction_score_max", HeadScores.inductionMax(ind, cfg));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("induction_score", Tensor.of(ind, layers, heads));
        tensors.put("induction_score_tl", Tensor.of(indTl, layers, heads));
        tensors.put("previous_token_score", Tensor.of(prev, layers, heads));
        tensors.put("duplicate_token_score", Tensor.of(dup, layers, heads));
        tensors.put("head_roles", Tensor.of(roles, layers, heads));
        return new Measurements(metrics, tensors, HeadRoles.names(roles, heads));
    }
}
