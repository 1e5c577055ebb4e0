package org.dynalens.indexer;

import org.dynalens.archive.RunInfo;

import java.util.List;

/** A run with the facts of its checkpoints, as {@link RunIndex#indexRuns(Iterable)} takes them in bulk. */
public record IndexableRun(RunInfo info, List<CheckpointDoc> checkpoints) {
}
