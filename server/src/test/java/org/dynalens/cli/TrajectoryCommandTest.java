package org.dynalens.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.dynalens.archive.Archive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code dynalens trajectory}: weight and logit PCA of trained runs, one or jointly, as PNGs and JSON. */
class TrajectoryCommandTest {

    @TempDir
    Path tmp;

    private String train(String archive, String... extra) {
        String[] base = {"train", "--archive", archive, "--p", "23", "--frac", "0.6", "--steps", "200",
                "--checkpoint-every", "50", "--no-progress"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        CliTest.Result r = CliTest.run(args);
        assertEquals(0, r.code(), r.err());
        String line = r.out().lines().filter(l -> l.startsWith("run ")).findFirst().orElseThrow();
        return line.split(" ")[1];
    }

    @Test
    void oneRunAndTwoRunsJointly() throws Exception {
        String archive = tmp.resolve("archive").toString();
        String a = train(archive, "--seed", "0");
        String b = train(archive, "--seed", "1");
        Path out = tmp.resolve("one");

        CliTest.Result one = CliTest.run("trajectory", "--archive", archive, a, "--out", out.toString(), "--logits",
                "--logit-inputs", "100");
        assertEquals(0, one.code(), one.err());
        assertTrue(one.out().contains("weights: 5 checkpoints"), one.out());
        JsonNode json = new ObjectMapper().readTree(out.resolve("trajectory.json").toFile());
        JsonNode w = json.get("weights");
        assertEquals(5, w.get("points").size());
        double sum = 0, prev = 1;
        for (JsonNode r : w.get("explained_variance_ratio")) {
            assertTrue(r.asDouble() <= prev + 1e-12, "descending");
            prev = r.asDouble();
            sum += r.asDouble();
        }
        assertEquals(1.0, sum, 1e-9, "5 points span 4 components, which hold all the variance");
        assertEquals(100 * 23, json.get("logits").get("dimensions").asInt(), "100 inputs x 23 logits");
        for (String png : new String[] {"weights-pc1-pc2.png", "weights-explained-variance.png", "logits-pc1-pc2.png",
                "logits-explained-variance.png"}) {
            assertNotNull(ImageIO.read(out.resolve(png).toFile()), png);
        }

        Path joint = tmp.resolve("joint");
        CliTest.Result both = CliTest.run("trajectory", "--archive", archive, a, b, "--out", joint.toString(),
                "--params", "embed.,unembed.");
        assertEquals(0, both.code(), both.err());
        JsonNode j = new ObjectMapper().readTree(joint.resolve("trajectory.json").toFile());
        assertEquals(10, j.get("weights").get("points").size());
        assertEquals(b, j.get("weights").get("points").get(9).get("run").asText());
        int dModel = 128;
        assertEquals(24 * dModel + dModel * 23, j.get("weights").get("dimensions").asInt(), "W_E [24, d] and W_U [d, 23]");
    }

    @Test
    void differentArchitecturesAndUnknownRunsAreOneLineErrors() {
        String archive = tmp.resolve("archive").toString();
        String a = train(archive, "--seed", "0");
        String small = train(archive, "--seed", "0", "--d-model", "64", "--heads", "2");
        CliTest.Result mixed = CliTest.run("trajectory", "--archive", archive, a, small, "--out", tmp.resolve("x").toString());
        assertEquals(Main.BAD_INPUT, mixed.code(), mixed.out() + mixed.err());
        assertTrue(mixed.err().contains("another architecture"), mixed.err());
        assertEquals(1, mixed.err().strip().lines().count(), mixed.err());

        CliTest.Result unknown = CliTest.run("trajectory", "--archive", archive, "nope", "--out", tmp.resolve("y").toString());
        assertEquals(Main.BAD_INPUT, unknown.code());
        assertTrue(unknown.err().contains("nope"), unknown.err());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
    }
}
