package org.dynalens.archive;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The only place that touches jhdf: atomic writes, guarded reads, and the conversion between the archive's flat
 * {@link Tensor}s and jhdf's nested Java arrays.
 *
 * <p>jhdf writes a whole file at close() and cannot append, so every archive file is written once to a temporary
 * name in the same directory, forced to disk, and renamed over its final name: a reader (or a crash) only ever sees
 * the old file or the complete new one.
 */
public final class Hdf5 {

    /** Root attribute naming what a file is: "run", "checkpoint" or "metrics". */
    public static final String FORMAT_ATTR = "dynalens_format";
    /** Root attribute with the format version "MAJOR.MINOR"; readers refuse a newer major version. */
    public static final String VERSION_ATTR = "dynalens_format_version";
    public static final int FORMAT_MAJOR = 1;
    public static final String FORMAT_VERSION = FORMAT_MAJOR + ".0";

    private Hdf5() {
    }

    /** Writes {@code target} atomically: build the file under a temporary name, fsync, rename. */
    public static void writeAtomically(Path target, String kind, Consumer<WritableHdfFile> body) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            try (WritableHdfFile out = HdfFile.write(tmp)) {
                out.putAttribute(FORMAT_ATTR, kind);
                out.putAttribute(VERSION_ATTR, FORMAT_VERSION);
                body.accept(out);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the temporary file is invisible to readers; a later write removes strays
            }
            throw new ArchiveException("could not write " + target + ": " + withRootCause(e), e);
        }
    }

    /**
     * One line with the root cause, which is where the reason is: jhdf wraps e.g. "No space left on device" in an
     * "Exception writing" whose own message says nothing.
     */
    static String withRootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String top = oneLine(e);
        if (root == e) return top;
        String reason = oneLine(root);
        return top.contains(reason) ? top : top + " (" + reason + ")";
    }

    /**
     * Opens {@code file}, checks it is a dynalens file of the expected kind and a readable version, and applies
     * {@code reader}. Every failure (missing, truncated, corrupt, foreign, too new) becomes an
     * {@link ArchiveException} with a one-line message; jhdf's own exceptions are not all HdfException, so any
     * RuntimeException is caught here.
     */
    public static <T> T read(Path file, String kind, Function<HdfFile, T> reader) {
        if (!Files.isRegularFile(file)) {
            throw new ArchiveException.NotFound("no such file: " + file);
        }
        HdfFile in;
        try {
            in = new HdfFile(file);
        } catch (RuntimeException | Error e) {
            throw new ArchiveException.Unreadable(file + " is not a readable HDF5 file (corrupt or truncated?): "
                    + oneLine(e), e);
        }
        try (in) {
            checkFormat(in, file, kind);
            return reader.apply(in);
        } catch (ArchiveException | BadRequest e) {
            throw e;
        } catch (RuntimeException | Error e) {
            throw new ArchiveException.Unreadable(file + " is corrupt: " + oneLine(e), e);
        }
    }

    private static void checkFormat(HdfFile in, Path file, String kind) {
        String actualKind = stringAttr(in, FORMAT_ATTR);
        if (actualKind == null) {
            throw new ArchiveException.Unreadable(file + " is an HDF5 file but not a dynalens " + kind
                    + " file (no " + FORMAT_ATTR + " attribute)", null);
        }
        if (!actualKind.equals(kind)) {
            throw new ArchiveException.Unreadable(file + " is a dynalens " + actualKind + " file, expected " + kind,
                    null);
        }
        String version = stringAttr(in, VERSION_ATTR);
        int major;
        try {
            major = Integer.parseInt(version.split("\\.")[0]);
        } catch (RuntimeException e) {
            throw new ArchiveException.Unreadable(file + " has an unparseable format version '" + version + "'", e);
        }
        if (major > FORMAT_MAJOR) {
            throw new ArchiveException.Unreadable(file + " has format version " + version + " but this dynalens reads "
                    + "version " + FORMAT_MAJOR + ".x; upgrade dynalens to read it", null);
        }
    }

    /** The string value of an attribute, or null when absent. */
    public static String stringAttr(Node node, String name) {
        Attribute a = node.getAttribute(name);
        if (a == null) return null;
        Object v = a.getData();
        if (v instanceof String s) return s;
        if (v != null && v.getClass().isArray() && Array.getLength(v) == 1) return String.valueOf(Array.get(v, 0));
        return String.valueOf(v);
    }

    /** The numeric value of a scalar attribute, or null when absent. */
    public static Number numberAttr(Node node, String name) {
        Attribute a = node.getAttribute(name);
        if (a == null) return null;
        Object v = a.getData();
        if (v != null && v.getClass().isArray()) v = Array.get(v, 0);
        if (v instanceof Number n) return n;
        throw new ArchiveException("attribute " + name + " of " + node.getPath() + " is not a number");
    }

    /** Puts {@code tensor} at a slash-separated {@code path}, creating groups as needed. */
    public static void putTensor(WritableGroup root, Map<String, WritableGroup> groups, String path, Tensor tensor) {
        int slash = path.lastIndexOf('/');
        WritableGroup parent = slash < 0 ? root : group(root, groups, path.substring(0, slash));
        String name = path.substring(slash + 1);
        if (tensor.size() == 0) {
            // jhdf cannot write empty arrays; record the shape so readers can rebuild it
            parent.putDataset(name, new int[] {0}).putAttribute("empty_shape", tensor.shape());
            return;
        }
        parent.putDataset(name, tensor.rank() == 0 ? scalar(tensor) : nested(tensor));
    }

    /** Creates (once) and returns the group at a slash-separated path. */
    public static WritableGroup group(WritableGroup root, Map<String, WritableGroup> groups, String path) {
        WritableGroup g = groups.get(path);
        if (g != null) return g;
        int slash = path.lastIndexOf('/');
        WritableGroup parent = slash < 0 ? root : group(root, groups, path.substring(0, slash));
        g = parent.putGroup(path.substring(slash + 1));
        groups.put(path, g);
        return g;
    }

    public static Map<String, WritableGroup> newGroupCache() {
        return new HashMap<>();
    }

    /** Reads a whole dataset as a tensor. */
    public static Tensor readTensor(Dataset ds) {
        if (ds.getAttribute("empty_shape") != null) {
            int[] shape = (int[]) ds.getAttribute("empty_shape").getData();
            return emptyOf(ds.getJavaType(), shape);
        }
        int[] shape = ds.isScalar() ? new int[0] : ds.getDimensions();
        Object flat = ds.isScalar() ? boxToArray(ds.getData()) : ds.getDataFlat();
        return new Tensor(shape, normalise(flat));
    }

    /** Reads the hyper-rectangle at {@code offset} of size {@code shape} of a dataset. */
    public static Tensor readSlice(Dataset ds, long[] offset, int[] shape) {
        int[] dims = ds.getDimensions();
        if (offset.length != dims.length || shape.length != dims.length) {
            throw new BadRequest("slice needs " + dims.length + " dimensions, got offset "
                    + Arrays.toString(offset) + " and shape " + Arrays.toString(shape));
        }
        for (int i = 0; i < dims.length; i++) {
            if (offset[i] < 0 || shape[i] < 1 || offset[i] + shape[i] > dims[i]) {
                throw new BadRequest("slice [" + offset[i] + ", " + (offset[i] + shape[i]) + ") is out of "
                        + "bounds for dimension " + i + " of size " + dims[i]);
            }
        }
        Object nested = ds.getData(offset, shape);
        return new Tensor(shape, normalise(flatten(nested, shape)));
    }

    /**
     * A caller's mistake found while a file is open (e.g. a slice out of bounds). {@link #read} lets it through as the
     * IllegalArgumentException it is, instead of reporting the file as corrupt.
     */
    static final class BadRequest extends IllegalArgumentException {
        BadRequest(String message) {
            super(message);
        }
    }

    private static Object scalar(Tensor t) {
        return switch (t.dtype()) {
            case "float32" -> ((float[]) t.data())[0];
            case "float64" -> ((double[]) t.data())[0];
            case "int32" -> ((int[]) t.data())[0];
            default -> ((long[]) t.data())[0];
        };
    }

    private static Object boxToArray(Object scalar) {
        if (scalar instanceof Float f) return new float[] {f};
        if (scalar instanceof Double d) return new double[] {d};
        if (scalar instanceof Integer i) return new int[] {i};
        if (scalar instanceof Long l) return new long[] {l};
        if (scalar != null && scalar.getClass().isArray()) return scalar;
        throw new ArchiveException("unsupported scalar dataset type " + (scalar == null ? "null" : scalar.getClass()));
    }

    /** Widens other primitive types h5py may write (int8/16, uint) to the archive's four types. */
    private static Object normalise(Object flat) {
        if (flat instanceof float[] || flat instanceof double[] || flat instanceof int[] || flat instanceof long[]) {
            return flat;
        }
        if (flat instanceof short[] s) {
            int[] out = new int[s.length];
            for (int i = 0; i < s.length; i++) out[i] = s[i];
            return out;
        }
        if (flat instanceof byte[] b) {
            int[] out = new int[b.length];
            for (int i = 0; i < b.length; i++) out[i] = b[i];
            return out;
        }
        throw new ArchiveException("unsupported dataset element type " + flat.getClass().getComponentType());
    }

    private static Tensor emptyOf(Class<?> type, int[] shape) {
        if (type == float.class) return new Tensor(shape, new float[0]);
        if (type == double.class) return new Tensor(shape, new double[0]);
        if (type == long.class) return new Tensor(shape, new long[0]);
        return new Tensor(shape, new int[0]);
    }

    /** Flat row-major data to jhdf's nested Java arrays (float[][][] ...). */
    static Object nested(Tensor t) {
        int[] shape = t.shape();
        if (shape.length == 1) return t.data();
        Class<?> component = t.data().getClass().getComponentType();
        int[] dims = shape.clone();
        Object out = Array.newInstance(component, dims);
        int rowLength = shape[shape.length - 1];
        int rows = t.size() / rowLength;
        int[] index = new int[shape.length - 1];
        for (int r = 0; r < rows; r++) {
            Object row = out;
            for (int k = 0; k < index.length; k++) row = Array.get(row, index[k]);
            System.arraycopy(t.data(), r * rowLength, row, 0, rowLength);
            for (int k = index.length - 1; k >= 0; k--) {
                if (++index[k] < shape[k]) break;
                index[k] = 0;
            }
        }
        return out;
    }

    /** jhdf's nested arrays back to flat row-major data. */
    static Object flatten(Object nested, int[] shape) {
        if (shape.length <= 1) return nested;
        Class<?> component = nested.getClass();
        while (component.isArray()) component = component.getComponentType();
        int n = (int) Tensor.size(shape);
        Object out = Array.newInstance(component, n);
        int[] pos = {0};
        copyRows(nested, out, pos);
        return out;
    }

    private static void copyRows(Object nested, Object out, int[] pos) {
        Object first = Array.getLength(nested) == 0 ? null : Array.get(nested, 0);
        if (first != null && first.getClass().isArray()) {
            for (int i = 0, n = Array.getLength(nested); i < n; i++) copyRows(Array.get(nested, i), out, pos);
        } else {
            int len = Array.getLength(nested);
            System.arraycopy(nested, 0, out, pos[0], len);
            pos[0] += len;
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
        return m.replaceAll("\\s+", " ").trim();
    }
}
