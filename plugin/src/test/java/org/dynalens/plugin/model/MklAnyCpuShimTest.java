package org.dynalens.plugin.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The MKL any-CPU shim that the launcher preloads on AMD CPUs ({@code src/main/native/mkl_any_cpu.c}): a JVM with it
 * preloaded computes the grokking step's largest matrix product like this JVM without it (MKL then runs other kernels,
 * so equal to float rounding, not bitwise). Skipped where the shim does not apply (not an AMD CPU, or no C compiler).
 */
class MklAnyCpuShimTest {

    private static final Path SCRIPT = Path.of("src/main/native/mkl_any_cpu.sh");

    @TempDir
    Path tmp;

    @Test
    void aJvmWithTheShimComputesTheSameProducts() throws IOException, InterruptedException {
        Process build = new ProcessBuilder("bash", SCRIPT.toString(), tmp.toString()).redirectErrorStream(true).start();
        String so = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(build.waitFor(60, TimeUnit.SECONDS) && build.exitValue() == 0, "mkl_any_cpu.sh failed: " + so);
        Assumptions.assumeFalse(so.isEmpty(), "the shim does not apply here (not an AMD CPU, or no C compiler)");
        assertTrue(Files.isRegularFile(Path.of(so)), so);

        ProcessBuilder child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                "-cp", System.getProperty("java.class.path"), MklAnyCpuShimTest.class.getName());
        String preload = System.getenv("LD_PRELOAD");
        child.environment().put("LD_PRELOAD", so + (preload == null || preload.isEmpty() ? "" : ":" + preload));
        Process p = child.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
        assertEquals(0, p.exitValue(), err);
        List<String> lines = out.lines().toList();
        assertEquals("shim loaded", lines.get(0), "the child JVM mapped the shim: " + out);

        float[] withShim = parse(lines.get(1));
        float[] without = product();
        assertEquals(without.length, withShim.length);
        double maxAbs = 0;
        for (float v : without) maxAbs = Math.max(maxAbs, Math.abs(v));
        for (int i = 0; i < without.length; i++) {
            assertEquals(without[i], withShim[i], 1e-5 * maxAbs, "element " + i);
        }
    }

    /** Child JVM: whether the shim is mapped, then the product's sampled values. */
    public static void main(String[] args) throws IOException {
        boolean mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.contains("mkl-any-cpu"));
        System.out.println(mapped ? "shim loaded" : "shim NOT loaded");
        StringBuilder sb = new StringBuilder();
        for (float v : product()) sb.append(Float.floatToIntBits(v)).append(' ');
        System.out.println(sb.toString().trim());
    }

    private static float[] parse(String line) {
        String[] parts = line.trim().split(" ");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Float.intBitsToFloat(Integer.parseInt(parts[i]));
        return out;
    }

    /** [3830, 128] x [128, 512] (the grokking batch times W_in) of seeded normals; every 97th element of the result. */
    private static float[] product() {
        Random rng = new Random(7);
        float[] x = new float[3830 * 128];
        float[] w = new float[128 * 512];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextGaussian();
        try (NDManager m = Djl.newManager()) {
            float[] all = m.create(x, new Shape(3830, 128)).matMul(m.create(w, new Shape(128, 512))).toFloatArray();
            float[] sample = new float[all.length / 97];
            for (int i = 0; i < sample.length; i++) sample[i] = all[i * 97];
            return sample;
        }
    }
}
