package org.dynalens.archive;

import org.dynalens.fixtures.Fixtures;
import org.dynalens.fixtures.H5pyRunExpected;
import org.dynalens.fixtures.H5pyRunExpected.TensorValues;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Array;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Our reader on an archive written by h5py (fixtures/scripts/make_h5py_checkpoint.py): h5py's variable-length UTF-8
 * strings, its old-style groups, a chunked + gzip dataset, and every value compared exactly to expected.json.
 */
class H5pyFixtureTest {

    @TempDir
    Path tmp;

    private final H5pyRunExpected expected = Fixtures.h5pyRunExpected();
    private Archive archive;
    private RunArchive run;
    private long step;

    @BeforeEach
    void copyFixture() {
        archive = Archive.open(Fixtures.copyH5pyRun(tmp.resolve("archive")));
        run = archive.run(Fixtures.H5PY_RUN_ID);
        step = expected.checkpoint().step();
    }

    private static Tensor tensor(TensorValues v) {
        return new Tensor(v.shape(), v.data());
    }

    @Test
    void readsRunInfoWithVariableLengthStrings() {
        assertEquals(List.of(Fixtures.H5PY_RUN_ID), archive.runIds());
        RunInfo info = run.info();
        H5pyRunExpected.RunValues e = expected.run();
        assertEquals(e.runId(), info.id());
        assertEquals(e.task(), info.task());
        assertEquals(e.seed(), info.seed(), "int64 attribute above 2^32");
        assertEquals(Instant.parse(e.created()), info.created());
        // Jackson on both sides, so numbers compare with the same boxed types; includes non-ASCII text and a null
        assertEquals(e.config(), info.config());
        assertEquals(e.provenance(), info.provenance());
        assertEquals(e.summary(), info.summary());
        assertTrue(((String) info.config().get("note")).contains("\u00fcn\u00efcode"), "UTF-8 survives");
    }

    @Test
    void readsEveryCheckpointTensorExactly() {
        assertEquals(List.of(step), run.checkpointSteps());
        assertEquals(OptionalLong.of(step), run.lastCheckpointStep());

        Checkpoint c = run.readCheckpoint(step);
        assertEquals(step, c.step());
        assertEquals(expected.checkpoint().tensors().keySet(), c.tensors().keySet());
        expected.checkpoint().tensors().forEach((path, values) -> {
            // Tensor.equals compares shape, dtype and the bits of every element
            assertEquals(tensor(values), c.tensors().get(path), path);
            assertEquals(tensor(values), run.readTensor(step, path), path + " read alone");
        });
        assertEquals(expected.checkpoint().metrics(), c.metrics());
        assertEquals(expected.checkpoint().metrics(), run.readCheckpointMetrics(step));

        // the params view uses TransformerLens names without the group prefix
        assertEquals(tensor(expected.checkpoint().tensors().get("params/embed.W_E")), c.params().get("embed.W_E"));
        assertEquals(100L, ((long[]) c.tensors().get("optim/step").data())[0]);
    }

    @Test
    void listsTensorsWithShapesAndTypes() {
        Map<String, TensorInfo> listed = new LinkedHashMap<>();
        for (TensorInfo t : run.listTensors(step)) listed.put(t.path(), t);
        assertEquals(expected.checkpoint().tensors().keySet(), listed.keySet(), "metrics/ is not listed as tensors");
        expected.checkpoint().tensors().forEach((path, values) -> {
            assertArrayEquals(values.shape(), listed.get(path).shape(), path);
            assertEquals(values.dtype(), listed.get(path).dtype(), path);
        });
    }

    @Test
    void readsSlicesOfContiguousAndChunkedDatasets() {
        // W_Q is chunked (1, 2, 2) + gzip in the fixture: this slice spans four chunks
        assertSlice("params/blocks.0.attn.W_Q", new long[] {0, 1, 0}, new int[] {2, 2, 2});
        assertSlice("params/blocks.0.attn.W_Q", new long[] {1, 3, 1}, new int[] {1, 1, 1});
        assertSlice("params/embed.W_E", new long[] {2, 1}, new int[] {3, 3});
        assertSlice("params/blocks.0.mlp.b_in", new long[] {5}, new int[] {3});
        // a caller's bad slice is an IllegalArgumentException, not a "corrupt file" ArchiveException
        IllegalArgumentException outOfBounds = assertThrows(IllegalArgumentException.class,
                () -> run.readSlice(step, "params/embed.W_E", new long[] {6, 0}, new int[] {2, 4}));
        assertTrue(outOfBounds.getMessage().contains("out of bounds"), outOfBounds.getMessage());
    }

    private void assertSlice(String path, long[] offset, int[] shape) {
        TensorValues all = expected.checkpoint().tensors().get(path);
        Tensor slice = run.readSlice(step, path, offset, shape);
        assertArrayEquals(shape, slice.shape(), path);
        assertArrayEquals((float[]) sliceOf(all.data(), all.shape(), offset, shape), slice.floats(),
                path + " at " + Arrays.toString(offset));
    }

    /** The reference slice, computed from the flat row-major values. */
    private static Object sliceOf(Object flat, int[] dims, long[] offset, int[] shape) {
        int n = (int) Tensor.size(shape);
        Object out = Array.newInstance(flat.getClass().getComponentType(), n);
        int[] idx = new int[shape.length];
        for (int k = 0; k < n; k++) {
            int source = 0;
            for (int d = 0; d < dims.length; d++) source = source * dims[d] + (int) offset[d] + idx[d];
            Array.set(out, k, Array.get(flat, source));
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return out;
    }

    @Test
    void readsMetricSeriesWithNaNGaps() {
        MetricSeries series = run.readMetrics();
        assertArrayEquals(expected.metrics().steps(), series.steps());
        assertEquals(expected.metrics().columns().keySet(), new java.util.HashSet<>(series.names()));
        // assertArrayEquals on double[] compares bits, so NaN gaps must be NaN here too
        expected.metrics().columns().forEach((name, col) -> assertArrayEquals(col, series.values(name), name));
    }

    @Test
    void unknownTensorsAndStepsAreNotFound() {
        assertThrows(ArchiveException.NotFound.class, () -> run.readTensor(step, "params/nope"));
        assertThrows(ArchiveException.NotFound.class, () -> run.readCheckpoint(step + 1));
    }

    @Test
    void rewritingAnH5pyCheckpointWithJhdfKeepsEveryValue() {
        Checkpoint original = run.readCheckpoint(step);
        RunArchive copy = archive.createRun(new RunInfo("rewritten", "mod-add", 1, Instant.EPOCH, Map.of(), Map.of(),
                Map.of()));
        copy.writeCheckpoint(original);
        Checkpoint back = copy.readCheckpoint(step);
        assertEquals(original.tensors(), back.tensors());
        assertEquals(original.metrics(), back.metrics());
    }
}
