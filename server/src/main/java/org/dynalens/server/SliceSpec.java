package org.dynalens.server;

import java.util.Arrays;

/**
 * A python-style slice of an n-d tensor, e.g. {@code 0:10,5:7} or {@code :,-1}: one entry per leading dimension,
 * each {@code start:stop} (either end optional, negative counts from the end, out-of-range ends clamped as in
 * numpy) or a single index {@code i} (kept as a dimension of size 1). Missing trailing entries mean {@code :}.
 * Strides ({@code a:b:c}) are not supported. The result is an offset and a shape for {@code RunArchive.readSlice}.
 */
record SliceSpec(long[] offset, int[] shape) {

    /** The whole tensor. */
    static SliceSpec all(int[] dims) {
        return new SliceSpec(new long[dims.length], dims.clone());
    }

    /** Parses {@code spec} against a tensor of shape {@code dims}; {@link ApiError} 400 when it does not fit. */
    static SliceSpec parse(String spec, int[] dims) {
        if (spec == null || spec.isBlank()) return all(dims);
        String[] parts = spec.split(",", -1);
        if (parts.length > dims.length) {
            throw bad("slice '" + spec + "' has " + parts.length + " entries but the tensor has " + dims.length
                    + " dimensions " + Arrays.toString(dims));
        }
        long[] offset = new long[dims.length];
        int[] shape = dims.clone();
        for (int d = 0; d < parts.length; d++) {
            int[] range = range(parts[d].trim(), dims[d], d);
            offset[d] = range[0];
            shape[d] = range[1] - range[0];
        }
        return new SliceSpec(offset, shape);
    }

    /** [start, stop) of one dimension. */
    private static int[] range(String part, int dim, int d) {
        String[] ends = part.split(":", -1);
        if (ends.length > 2) throw bad("dimension " + d + ": strides are not supported ('" + part + "')");
        if (ends.length == 1) {
            if (part.isEmpty()) throw bad("dimension " + d + ": empty slice entry (use ':' for all)");
            int i = index(part, dim, d);
            if (i < 0 || i >= dim) throw bad("dimension " + d + ": index " + part + " is out of range for size " + dim);
            return new int[] {i, i + 1};
        }
        int start = ends[0].isBlank() ? 0 : clamp(index(ends[0].trim(), dim, d), dim);
        int stop = ends[1].isBlank() ? dim : clamp(index(ends[1].trim(), dim, d), dim);
        if (stop <= start) {
            throw bad("dimension " + d + ": slice '" + part + "' of a dimension of size " + dim + " is empty");
        }
        return new int[] {start, stop};
    }

    /** A possibly negative index resolved against the dimension size (not yet range-checked). */
    private static int index(String text, int dim, int d) {
        long v;
        try {
            v = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw bad("dimension " + d + ": '" + text + "' is not an integer");
        }
        if (v < 0) v += dim;
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    private static int clamp(int i, int dim) {
        return Math.max(0, Math.min(dim, i));
    }

    private static ApiError bad(String detail) {
        return ApiError.badRequest("bad slice", detail);
    }

    long size() {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    boolean coversAll(int[] dims) {
        return Arrays.equals(shape, dims);
    }
}
