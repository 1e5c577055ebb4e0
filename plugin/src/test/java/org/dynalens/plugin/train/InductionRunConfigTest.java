package org.dynalens.plugin.train;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Sequence-task settings on RunConfig, and that grokking configs keep their run ids. */
class InductionRunConfigTest {

    /** Ids recorded with the code before sequence tasks existed (commit b30c7ff): existing runs must resume. */
    @Test
    void grokkingRunIdsAreUnchanged() {
        assertEquals("mod-add-p113-s0-09a7978d", RunConfig.defaults().resolvedRunId());
        assertEquals("mod-add-p23-s3-3f748487",
                RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.5, "seed", 3, "steps", 90)).resolvedRunId());
        assertEquals("mod-add-p23-s7-7adee7cf",
                RunConfig.fromMap(Map.of("p", 23, "lr", 3e-3, "weight_decay", 0.5, "seed", 7)).resolvedRunId());
        assertFalse(RunConfig.defaults().toJson().contains("n_ctx"));
        assertFalse(RunConfig.defaults().toMap().containsKey("attn_only"));
    }

    @Test
    void sequenceTasksTakeSequenceDefaultsAndNameTheirShape() {
        RunConfig c = RunConfig.fromMap(Map.of("task", "repeated-tokens")).validate();
        assertTrue(c.isSequenceTask());
        assertEquals(2, c.nLayers());
        assertEquals(Boolean.TRUE, c.attnOnly());
        assertEquals(0.0, c.weightDecay());
        assertEquals(32, c.nCtx());   // filled in from the task's default
        assertEquals(32, c.vocab());
        assertTrue(c.resolvedRunId().startsWith("repeated-tokens-s0-"), c.resolvedRunId());
        assertEquals(c, RunConfig.fromMap(c.toMap()));
        RunConfig add = RunConfig.fromMap(Map.of("task", "digit-add")).validate();
        assertEquals(17, add.nCtx());
        assertEquals(12, add.vocab());
    }

    @Test
    void positionalEmbeddingTypeIsOptInAndNamedOnlyWhenNotStandard() {
        RunConfig plain = RunConfig.fromMap(Map.of("task", "repeated-tokens")).validate();
        RunConfig standard = RunConfig.fromMap(Map.of("task", "repeated-tokens", "positional_embedding_type", "standard")).validate();
        RunConfig shortformer = RunConfig.fromMap(Map.of("task", "repeated-tokens", "positional_embedding_type", "shortformer"))
                .validate();
        assertEquals(plain.resolvedRunId(), standard.resolvedRunId(), "naming the default keeps the run id");
        assertFalse(plain.toMap().containsKey("positional_embedding_type"));
        assertNotEquals(plain.resolvedRunId(), shortformer.resolvedRunId());
        assertEquals("shortformer", shortformer.toMap().get("positional_embedding_type"));
        assertEquals(org.dynalens.plugin.model.ModelConfig.PositionalEmbedding.SHORTFORMER,
                shortformer.sequenceModel(shortformer.createSequenceTask()).positionalEmbedding());
        assertEquals(shortformer, RunConfig.fromMap(shortformer.toMap()));
    }

    @Test
    void smearedKeysAreOptInAndNamedOnlyWhenOn() {
        RunConfig plain = RunConfig.fromMap(Map.of("task", "repeated-tokens")).validate();
        RunConfig off = RunConfig.fromMap(Map.of("task", "repeated-tokens", "smeared_keys", false)).validate();
        RunConfig on = RunConfig.fromMap(Map.of("task", "repeated-tokens", "smeared_keys", true)).validate();
        assertEquals(plain.resolvedRunId(), off.resolvedRunId(), "naming the default keeps the run id");
        assertFalse(plain.toMap().containsKey("smeared_keys"));
        assertNotEquals(plain.resolvedRunId(), on.resolvedRunId());
        assertTrue(on.sequenceModel(on.createSequenceTask()).smearedKeys());
        assertFalse(plain.sequenceModel(plain.createSequenceTask()).smearedKeys());
        assertEquals(on, RunConfig.fromMap(on.toMap()));
        assertMessage("smeared_keys is a setting of sequence tasks",
                () -> RunConfig.fromMap(Map.of("smeared_keys", true)).validate());
        assertMessage("bad config", () -> RunConfig.fromMap(Map.of("task", "repeated-tokens", "smeared_keys", "often")));
    }

    @Test
    void badSequenceSettingsAreOneLineErrors() {
        assertMessage("positional_embedding_type must be \"standard\", \"shortformer\" or \"rotary\", got \"alibi\"",
                () -> RunConfig.fromMap(Map.of("task", "repeated-tokens", "positional_embedding_type", "alibi")).validate());
        assertMessage("rotary positions need an even d_head", () -> RunConfig.fromMap(Map.of("task", "repeated-tokens",
                "positional_embedding_type", "rotary", "d_head", 7)).validate());
        assertMessage("positional_embedding_type is a setting of sequence tasks",
                () -> RunConfig.fromMap(Map.of("positional_embedding_type", "shortformer")).validate());
        assertMessage("n_ctx must be even", () -> RunConfig.fromMap(Map.of("task", "repeated-tokens", "n_ctx", 7)).validate());
        assertMessage("batch_size must be > 0", () -> RunConfig.fromMap(Map.of("task", "repeated-tokens", "batch_size", 0)).validate());
        assertMessage("n_ctx of task digit-add is 17", () -> RunConfig.fromMap(Map.of("task", "digit-add", "n_ctx", 20)).validate());
        assertMessage("k must be in", () -> RunConfig.fromMap(Map.of("task", "sparse-parity",
                "task_settings", Map.of("n_bits", 4, "k", 9))).validate());
        assertMessage("n_ctx is a setting of sequence tasks", () -> RunConfig.fromMap(Map.of("n_ctx", 3)).validate());
        assertMessage("n_layers must be 1", () -> RunConfig.fromMap(Map.of("n_layers", 2)).validate());
        assertMessage("unknown task 'nope'; known tasks: code-corpus, digit-add, dihedral, markov-icl, mod-add",
                () -> RunConfig.fromMap(Map.of("task", "nope")).validate());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(expected), "expected '" + expected + "' in: " + ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"), "one line: " + ex.getMessage());
    }
}
