package org.dynalens.archive;

/** Name, shape and element type of a stored tensor, known without reading its values. */
public record TensorInfo(String path, int[] shape, String dtype) {
}
