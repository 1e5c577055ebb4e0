package org.dynalens.plugin.model;

/**
 * Shape of the transformer, in TransformerLens's vocabulary. The grokking model of Nanda et al. 2023 is
 * {@link #grokking(int, int, int)}: 1 layer, d_model 128, 4 heads of 32, MLP 512, no LayerNorm.
 *
 * @param attnOnly  no MLP blocks (the attention-only models of Elhage et al. 2021 and Olsson et al. 2022)
 * @param layerNorm LayerNorm before attention ({@code ln1}), before the MLP ({@code ln2}) and before the
 *                  unembedding ({@code ln_final}), as TransformerLens's pre-LN blocks
 * @param positionalEmbedding where {@code W_pos} enters the model (TransformerLens's {@code positional_embedding_type})
 * @param smearedKeys each head's key at position j is a learned mix of the keys at j and j - 1 (Olsson et al. 2022,
 *                    "In-context learning and induction heads", Argument 2): a single head can then match "the token
 *                    before this key" with the query, i.e. be an induction head without a previous-token head in an
 *                    earlier layer
 */
public record ModelConfig(int nLayers, int dModel, int nHeads, int dHead, int dMlp, int dVocab, int dVocabOut,
                          int nCtx, boolean attnOnly, boolean layerNorm, PositionalEmbedding positionalEmbedding,
                          boolean smearedKeys) {

    /** Where the learned positional embedding {@code W_pos} is added, or rotary positions instead of it. */
    public enum PositionalEmbedding {
        /** To the residual stream, with the token embedding (GPT-2, and the grokking model). */
        STANDARD,
        /**
         * To the query and key inputs of every attention layer only, never to the values or the residual stream
         * (Press et al. 2021, "Shortformer"; TransformerLens's {@code "shortformer"}, used by its attention-only
         * toy models). A head can then attend by position without positions crowding the stream it reads and writes.
         */
        SHORTFORMER,
        /**
         * No {@code W_pos}: queries and keys are rotated by their position (Su et al. 2021, "RoFormer", eq. 34; the
         * GPT-NeoX layout TransformerLens uses, rotary_dim = d_head, base 10000), so a score depends on the two tokens
         * and their distance only. Attending to "the previous token" is then one pattern for every position, not one
         * to learn per position pair. d_head must be even.
         */
        ROTARY;

        /** The config name: {@code "standard"}, {@code "shortformer"} or {@code "rotary"}. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The value of a config name; anything else is an error naming the allowed values. */
        public static PositionalEmbedding fromConfigName(String name) {
            for (PositionalEmbedding p : values()) if (p.configName().equals(name)) return p;
            throw new IllegalArgumentException("positional_embedding_type must be \"standard\", \"shortformer\" or "
                    + "\"rotary\", got \"" + name + "\"");
        }
    }

    public ModelConfig {
        positive("n_layers", nLayers);
        positive("d_model", dModel);
        positive("n_heads", nHeads);
        positive("d_head", dHead);
        positive("d_mlp", dMlp);
        positive("d_vocab", dVocab);
        positive("d_vocab_out", dVocabOut);
        positive("n_ctx", nCtx);
        java.util.Objects.requireNonNull(positionalEmbedding, "positionalEmbedding");
        if (positionalEmbedding == PositionalEmbedding.ROTARY && dHead % 2 != 0) {
            throw new IllegalArgumentException("rotary positions need an even d_head (pairs of dimensions rotate), got " + dHead);
        }
    }

    /** A model without smeared keys. */
    public ModelConfig(int nLayers, int dModel, int nHeads, int dHead, int dMlp, int dVocab, int dVocabOut, int nCtx,
                       boolean attnOnly, boolean layerNorm, PositionalEmbedding positionalEmbedding) {
        this(nLayers, dModel, nHeads, dHead, dMlp, dVocab, dVocabOut, nCtx, attnOnly, layerNorm, positionalEmbedding, false);
    }

    /** A model with standard positional embeddings. */
    public ModelConfig(int nLayers, int dModel, int nHeads, int dHead, int dMlp, int dVocab, int dVocabOut, int nCtx,
                       boolean attnOnly, boolean layerNorm) {
        this(nLayers, dModel, nHeads, dHead, dMlp, dVocab, dVocabOut, nCtx, attnOnly, layerNorm, PositionalEmbedding.STANDARD);
    }

    /** A model with MLPs and without LayerNorm (the grokking architecture). */
    public ModelConfig(int nLayers, int dModel, int nHeads, int dHead, int dMlp, int dVocab, int dVocabOut, int nCtx) {
        this(nLayers, dModel, nHeads, dHead, dMlp, dVocab, dVocabOut, nCtx, false, false);
    }

    /** The 1-layer model of Nanda et al. 2023 for a task with the given vocabularies. */
    public static ModelConfig grokking(int dVocab, int dVocabOut, int nCtx) {
        return new ModelConfig(1, 128, 4, 32, 512, dVocab, dVocabOut, nCtx);
    }

    /** Number of trained parameters. */
    public long parameterCount() {
        long perLayer = 4L * nHeads * dModel * dHead;
        if (!attnOnly) perLayer += 2L * dModel * dMlp + dMlp + dModel;
        if (layerNorm) perLayer += (attnOnly ? 2L : 4L) * dModel;
        if (smearedKeys) perLayer += nHeads;
        long finalNorm = layerNorm ? 2L * dModel : 0;
        long positions = positionalEmbedding == PositionalEmbedding.ROTARY ? 0 : (long) nCtx * dModel;
        return (long) dVocab * dModel + positions + nLayers * perLayer + finalNorm + (long) dModel * dVocabOut;
    }

    private static void positive(String name, int v) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
}
