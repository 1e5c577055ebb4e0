package org.dynalens.plugin.train;

import org.dynalens.archive.Archive;
import org.dynalens.archive.Checkpoint;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A lottery ticket trained for real: rewound to the parent's step k with the parent's final-weights mask, pruned
 * weights stay zero through training, and a killed ticket resumes bitwise (the mask is checkpointed).
 */
class LotteryTicketTest {

    @TempDir
    Path tmp;

    private static final RunConfig PARENT = RunConfig.fromMap(Map.of("p", 23, "train_fraction", 0.6, "seed", 0,
            "steps", 120, "checkpoint_every", 40, "eval_every", 10, "d_model", 32, "n_heads", 2, "d_head", 16,
            "d_mlp", 64));

    private static RunArchive train(RunConfig cfg, Archive a, TrainingListener l) {
        return TrainingRun.train(cfg, a, l, List.of());
    }

    @Test
    void ticketStartsRewoundAndMaskedStaysMaskedAndResumesBitwise() {
        Archive a = Archive.open(tmp.resolve("a"));
        RunArchive parent = train(PARENT, a, new TrainingListener() {
        });
        RunConfig ticket = PARENT.withParent(parent.id(), 40).withTicketKeep(0.2).withSteps(60);
        ticket = RunConfig.fromMap(ticket.toMap()).validate();
        RunArchive child = train(ticket, a, new TrainingListener() {
        });

        TicketMask mask = TicketMask.magnitude(parent.readCheckpoint(120).params(), 0.2);
        assertEquals(mask.applyTo(parent.readCheckpoint(40).params()), child.readCheckpoint(0).params(),
                "step 0 = parent's step-40 weights times the mask of its final weights");
        assertEquals(120L, ((Number) child.info().summary().get("ticket_mask_step")).longValue());
        assertEquals(mask.keptCount(), ((Number) child.info().summary().get("ticket_kept")).longValue());
        Checkpoint end = child.readCheckpoint(60);
        for (Map.Entry<String, Tensor> e : end.params().entrySet()) {
            float[] m = mask.of(e.getKey());
            if (m == null) continue;
            float[] w = e.getValue().floats();
            for (int i = 0; i < w.length; i++) if (m[i] == 0) assertTrue(w[i] == 0, e.getKey() + "[" + i + "] pruned, is " + w[i]);
        }
        assertNotEquals(child.readCheckpoint(0).params(), end.params(), "the kept weights train");

        // kill at step 50 and resume in a second archive with the same parent: bitwise the same as straight
        Archive b = Archive.open(tmp.resolve("b"));
        train(PARENT, b, new TrainingListener() {
        });
        RunConfig t = ticket;
        assertThrows(ResumeTest.Killed.class, () -> train(t, b, new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss) {
                if (step == 50) throw new ResumeTest.Killed();
            }
        }));
        RunArchive resumed = train(ticket, b, new TrainingListener() {
        });
        for (long step : child.checkpointSteps()) {
            assertEquals(child.readCheckpoint(step).tensors(), resumed.readCheckpoint(step).tensors(), "step " + step);
        }
        assertTrue(end.tensors().containsKey(Checkpoint.OPTIM + TicketMask.STATE_PREFIX + "embed.W_E"));
    }

    @Test
    void randomControlTicketUsesARandomMaskOfTheSameSize() {
        Archive a = Archive.open(tmp.resolve("r"));
        RunArchive parent = train(PARENT, a, new TrainingListener() {
        });
        Map<String, Object> values = new java.util.LinkedHashMap<>(PARENT.withParent(parent.id(), 0).withTicketKeep(0.2)
                .withSteps(20).toMap());
        values.put("ticket_mask", RunConfig.TICKET_MASK_RANDOM);
        RunArchive child = train(RunConfig.fromMap(values).validate(), a, new TrainingListener() {
        });

        Map<String, Tensor> last = parent.readCheckpoint(120).params();
        TicketMask random = TicketMask.random(last, 0.2, PARENT.seed());
        assertEquals(random.applyTo(parent.readCheckpoint(0).params()), child.readCheckpoint(0).params(),
                "step 0 = the parent's initialisation times a random mask seeded by the run's seed");
        assertEquals("random", child.info().summary().get("ticket_mask"));
        assertEquals(TicketMask.magnitude(last, 0.2).keptCount(), ((Number) child.info().summary().get("ticket_kept")).longValue());
        for (Map.Entry<String, Tensor> e : child.readCheckpoint(20).params().entrySet()) {
            float[] m = random.of(e.getKey());
            if (m == null) continue;
            float[] w = e.getValue().floats();
            for (int i = 0; i < w.length; i++) if (m[i] == 0) assertTrue(w[i] == 0, e.getKey() + "[" + i + "] pruned, is " + w[i]);
        }
    }
}
