package org.dynalens.archive;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense n-dimensional array in row-major order, as stored in the archive. The archive speaks only plain Java
 * arrays: no DJL, no Tribuo.
 *
 * @param shape dimensions, outermost first; an empty shape is a scalar
 * @param data  a flat {@code float[]}, {@code double[]}, {@code int[]} or {@code long[]} of length prod(shape)
 */
public record Tensor(int[] shape, Object data) {

    public Tensor {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        if (!(data instanceof float[] || data instanceof double[] || data instanceof int[] || data instanceof long[])) {
            throw new IllegalArgumentException("tensor data must be float[], double[], int[] or long[], not "
                    + data.getClass().getSimpleName());
        }
        long expected = size(shape);
        int actual = java.lang.reflect.Array.getLength(data);
        if (expected != actual) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " needs " + expected
                    + " values but has " + actual);
        }
        shape = shape.clone();
    }

    public static Tensor of(float[] data, int... shape) {
        return new Tensor(shape, data);
    }

    public static Tensor of(double[] data, int... shape) {
        return new Tensor(shape, data);
    }

    public static Tensor of(int[] data, int... shape) {
        return new Tensor(shape, data);
    }

    public static Tensor of(long[] data, int... shape) {
        return new Tensor(shape, data);
    }

    /** A 1-d tensor holding {@code values}. */
    public static Tensor vector(int[] values) {
        return new Tensor(new int[] {values.length}, values);
    }

    /** A 1-d tensor holding {@code values}. */
    public static Tensor vector(double[] values) {
        return new Tensor(new int[] {values.length}, values);
    }

    /** Number of elements of an array of this shape. */
    public static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return java.lang.reflect.Array.getLength(data);
    }

    /** The element type's name as in numpy: float32, float64, int32 or int64. */
    public String dtype() {
        if (data instanceof float[]) return "float32";
        if (data instanceof double[]) return "float64";
        if (data instanceof int[]) return "int32";
        return "int64";
    }

    /** The values as float32 (a copy when the stored type differs). */
    public float[] floats() {
        if (data instanceof float[] f) return f;
        float[] out = new float[size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) doubleAt(i);
        return out;
    }

    /** The values as float64 (a copy unless already float64). */
    public double[] doubles() {
        if (data instanceof double[] d) return d;
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) out[i] = doubleAt(i);
        return out;
    }

    /** The values as int32; fails for floating-point data. */
    public int[] ints() {
        if (data instanceof int[] i) return i;
        if (data instanceof long[] l) return Arrays.stream(l).mapToInt(Math::toIntExact).toArray();
        throw new IllegalStateException("tensor holds " + dtype() + ", not integers");
    }

    public double doubleAt(int flatIndex) {
        if (data instanceof float[] f) return f[flatIndex];
        if (data instanceof double[] d) return d[flatIndex];
        if (data instanceof int[] i) return i[flatIndex];
        return ((long[]) data)[flatIndex];
    }

    /** Sum of squared elements, in double precision. */
    public double sumOfSquares() {
        double s = 0;
        for (int i = 0, n = size(); i < n; i++) {
            double v = doubleAt(i);
            s += v * v;
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Tensor t)) return false;
        if (!Arrays.equals(shape, t.shape) || !dtype().equals(t.dtype())) return false;
        return switch (dtype()) {
            case "float32" -> Arrays.equals((float[]) data, (float[]) t.data);
            case "float64" -> Arrays.equals((double[]) data, (double[]) t.data);
            case "int32" -> Arrays.equals((int[]) data, (int[]) t.data);
            default -> Arrays.equals((long[]) data, (long[]) t.data);
        };
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + dtype().hashCode();
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype() + " " + Arrays.toString(shape) + "]";
    }
}
