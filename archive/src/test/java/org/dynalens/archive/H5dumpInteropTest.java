package org.dynalens.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.dynalens.fixtures.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What we write with jhdf, read back by the reference HDF5 stack: h5dump/h5ls (libhdf5) for the layout and
 * /usr/bin/python3 + h5py for every value, compared bit for bit. Skipped when the tools are missing, except on CI
 * (CI=true), where a missing tool fails the build.
 */
class H5dumpInteropTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long STEP = 1500;
    private static final int VOCAB = 114;
    private static final int D_MODEL = 128;

    @TempDir
    static Path tmp;

    private static RunArchive run;
    private static RunInfo info;
    private static Checkpoint checkpoint;
    private static MetricSeries metrics;

    @BeforeAll
    static void writeArchive() {
        info = new RunInfo("interop", "mod-add", 1234567890123L, Instant.parse("2026-03-04T05:06:07.123Z"),
                Map.of("p", 113, "lr", 1e-3, "betas", List.of(0.9, 0.98), "note", "grokking \u2014 \u00fcn\u00efcode \u2713"),
                Map.of("trainer", "H5dumpInteropTest"), Map.of("status", "finished"));
        run = Archive.open(tmp.resolve("archive")).createRun(info);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("params/embed.W_E", Tensor.of(embedding(), VOCAB, D_MODEL));
        tensors.put("params/blocks.0.attn.W_Q", Tensor.of(ramp(4 * D_MODEL * 32, 1e-5f, -0.08f), 4, D_MODEL, 32));
        tensors.put("params/blocks.0.mlp.b_in", Tensor.of(ramp(512, -1f / 3, 2f), 512));
        tensors.put("optim/step", Tensor.of(new long[] {STEP}));
        tensors.put("analysis/key_freqs", Tensor.vector(new int[] {14, 35, 41, -2_000_000_000}));
        tensors.put("analysis/fourier_norm", Tensor.vector(new double[] {0.1 + 0.2, Math.PI, -0.0, Double.MIN_VALUE}));
        checkpoint = new Checkpoint(STEP, tensors, Map.of("train_loss", 0.1 + 0.2, "test_loss", 1e-300));
        run.writeCheckpoint(checkpoint);

        metrics = new MetricSeries();
        for (int i = 0; i < 20; i++) {
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("train_loss", 4.7 / (i + 1));
            if (i % 3 == 0) row.put("test_acc", i / 19.0); // absent elsewhere: stored as NaN
            metrics.append(i * 100L, row);
        }
        run.writeMetrics(metrics);
    }

    /** (i * 128 + j) * 0.001f - 7, in float32 arithmetic: values that are not exact decimals. */
    private static float[] embedding() {
        float[] f = new float[VOCAB * D_MODEL];
        for (int i = 0; i < VOCAB; i++) {
            for (int j = 0; j < D_MODEL; j++) f[i * D_MODEL + j] = (i * D_MODEL + j) * 0.001f - 7;
        }
        return f;
    }

    private static float[] ramp(int n, float scale, float offset) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = i * scale + offset;
        return f;
    }

    /** Per test rather than in @BeforeAll, so a skip shows up as skipped tests with the reason. */
    @BeforeEach
    void requireInteropTools() {
        Fixtures.missingInteropTools().ifPresent(missing -> {
            if ("true".equals(System.getenv("CI"))) fail(missing);
            assumeTrue(false, missing);
        });
    }

    // ---- h5dump / h5ls: layout ----------------------------------------------------------------------------------

    @Test
    void h5dumpSeesTheShapeAndTypeOfTheEmbedding() throws Exception {
        String header = exec("h5dump", "-H", "-d", "/params/embed.W_E", run.checkpointPath(STEP).toString());
        Matcher space = Pattern.compile("DATASPACE\\s+SIMPLE\\s*\\{\\s*\\(([^)]*)\\)\\s*/\\s*\\(([^)]*)\\)").matcher(header);
        assertTrue(space.find(), "no DATASPACE SIMPLE line in:\n" + header);
        assertArrayEquals(new int[] {VOCAB, D_MODEL}, ints(space.group(1)), header);
        assertArrayEquals(new int[] {VOCAB, D_MODEL}, ints(space.group(2)), "max dims");
        assertTrue(header.contains("H5T_IEEE_F32LE"), "float32 little-endian:\n" + header);
    }

    @Test
    void h5lsListsEveryDataset() throws Exception {
        String listing = exec("h5ls", "-r", run.checkpointPath(STEP).toString());
        Map<String, String> datasets = new LinkedHashMap<>();
        for (String line : listing.split("\n")) {
            Matcher m = Pattern.compile("^(\\S+)\\s+Dataset\\s+\\{(.*)}\\s*$").matcher(line);
            if (m.matches()) datasets.put(m.group(1), m.group(2).strip());
        }
        assertEquals("114, 128", datasets.get("/params/embed.W_E"), listing);
        assertEquals("4, 128, 32", datasets.get("/params/blocks.0.attn.W_Q"), listing);
        assertEquals("SCALAR", datasets.get("/optim/step"), listing);
        assertEquals("SCALAR", datasets.get("/metrics/train_loss"), listing);
        assertEquals(checkpoint.tensors().size() + checkpoint.metrics().size(), datasets.size(), listing);
    }

    // ---- h5py: values -------------------------------------------------------------------------------------------

    @Test
    void h5pyReadsEveryCheckpointValueBitForBit() throws Exception {
        Path out = h5pyDump(run.checkpointPath(STEP));
        JsonNode dump = JSON.readTree(out.resolve("dump.json").toFile());

        JsonNode attrs = dump.get("attrs");
        assertEquals("checkpoint", attrs.get("dynalens_format").get("value").asText());
        assertEquals("1.0", attrs.get("dynalens_format_version").get("value").asText());
        assertEquals("interop", attrs.get("run_id").get("value").asText());
        assertEquals(STEP, attrs.get("step").get("value").asLong());
        assertEquals("int64", attrs.get("step").get("dtype").asText());

        JsonNode datasets = dump.get("datasets");
        checkpoint.tensors().forEach((path, tensor) -> assertSameTensor(path, tensor, datasets.get(path), out));
        checkpoint.metrics().forEach((name, value) -> assertSameTensor("metrics/" + name, Tensor.of(new double[] {value}),
                datasets.get("metrics/" + name), out));
    }

    @Test
    void h5pyReadsRunInfoJson() throws Exception {
        JsonNode dump = JSON.readTree(h5pyDump(run.dir().resolve(RunArchive.RUN_FILE)).resolve("dump.json").toFile());
        JsonNode attrs = dump.get("attrs");
        assertEquals("run", attrs.get("dynalens_format").get("value").asText());
        assertEquals("1.0", attrs.get("dynalens_format_version").get("value").asText());
        assertEquals(info.id(), attrs.get("run_id").get("value").asText());
        assertEquals(info.task(), attrs.get("task").get("value").asText());
        assertEquals(info.seed(), attrs.get("seed").get("value").asLong());
        assertEquals(info.created(), Instant.parse(attrs.get("created").get("value").asText()));

        Map<String, Map<String, Object>> parts = Map.of("config_json", info.config(),
                "provenance_json", info.provenance(), "summary_json", info.summary());
        parts.forEach((name, map) -> {
            JsonNode ds = dump.get("datasets").get(name);
            assertNotNull(ds, name);
            assertEquals("[1]", ds.get("shape").toString(), name);
            // the exact bytes we wrote, decoded by h5py as UTF-8 (non-ASCII included)
            assertEquals(RunArchive.toJson(map), ds.get("text").get(0).asText(), name);
            assertEquals(map, RunArchive.json(ds.get("text").get(0).asText()), name);
        });
    }

    @Test
    void h5pyReadsTheMetricSeries() throws Exception {
        Path out = h5pyDump(run.dir().resolve(RunArchive.METRICS_FILE));
        JsonNode dump = JSON.readTree(out.resolve("dump.json").toFile());
        assertEquals("metrics", dump.get("attrs").get("dynalens_format").get("value").asText());
        JsonNode datasets = dump.get("datasets");
        assertSameTensor("step", Tensor.of(metrics.steps(), metrics.size()), datasets.get("step"), out);
        for (String name : metrics.names()) {
            // test_acc holds NaN gaps: compared by bits as well
            assertSameTensor(name, Tensor.vector(metrics.values(name)), datasets.get(name), out);
        }
        assertEquals(1 + metrics.names().size(), datasets.size());
    }

    /** Compares dtype, shape and every element's bits of what h5py read with what we wrote. */
    private static void assertSameTensor(String path, Tensor written, JsonNode seen, Path dumpDir) {
        assertNotNull(seen, "h5py did not find " + path);
        assertEquals(written.dtype(), seen.get("dtype").asText(), path);
        int[] shape = new int[seen.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = seen.get("shape").get(i).asInt();
        assertArrayEquals(written.shape(), shape, path);
        ByteBuffer bytes;
        try {
            bytes = ByteBuffer.wrap(Files.readAllBytes(dumpDir.resolve(seen.get("bin").asText())))
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new AssertionError(path, e);
        }
        int n = written.size();
        assertEquals((long) n * (written.dtype().endsWith("64") ? 8 : 4), bytes.remaining(), path + " byte count");
        for (int i = 0; i < n; i++) {
            long expectedBits;
            long actualBits;
            switch (written.dtype()) {
                case "float32" -> {
                    expectedBits = Float.floatToRawIntBits(((float[]) written.data())[i]);
                    actualBits = bytes.getInt();
                }
                case "float64" -> {
                    expectedBits = Double.doubleToRawLongBits(((double[]) written.data())[i]);
                    actualBits = bytes.getLong();
                }
                case "int32" -> {
                    expectedBits = ((int[]) written.data())[i];
                    actualBits = bytes.getInt();
                }
                default -> {
                    expectedBits = ((long[]) written.data())[i];
                    actualBits = bytes.getLong();
                }
            }
            if (expectedBits != actualBits) {
                fail(path + "[" + i + "]: wrote " + written.doubleAt(i) + " (bits " + Long.toHexString(expectedBits)
                        + "), h5py read bits " + Long.toHexString(actualBits));
            }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** Runs h5py_dump.py on {@code file}; returns the directory holding dump.json and the .bin files. */
    private static Path h5pyDump(Path file) throws Exception {
        Path script = tmp.resolve("h5py_dump.py");
        if (!Files.exists(script)) {
            try (InputStream in = H5dumpInteropTest.class.getResourceAsStream("h5py_dump.py")) {
                assertNotNull(in, "h5py_dump.py is not on the test classpath");
                Files.copy(in, script);
            }
        }
        Path out = Files.createTempDirectory(tmp, "dump-");
        exec(Fixtures.PYTHON, script.toString(), file.toString(), out.toString());
        return out;
    }

    /** Runs a command, returns its output; fails with the output when it exits non-zero. */
    private static String exec(String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + output);
        return output;
    }

    private static int[] ints(String commaSeparated) {
        List<Integer> out = new ArrayList<>();
        for (String s : commaSeparated.split(",")) out.add(Integer.parseInt(s.strip()));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
