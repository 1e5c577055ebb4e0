package org.dynalens.indexer;

import org.dynalens.archive.ArchiveException;

/**
 * The index cannot be used as asked: locked by another process, written by a newer dynalens, not a dynalens index,
 * missing, or read-only. Like every {@link ArchiveException} the message is one line a user can act on.
 */
public class IndexException extends ArchiveException {

    public IndexException(String message) {
        super(message);
    }

    public IndexException(String message, Throwable cause) {
        super(message, cause);
    }
}
