package org.dynalens.archive;

/**
 * Anything wrong with the archive that a user can act on: a missing run or checkpoint, a corrupt or foreign file,
 * a newer format version. The message is one line meant for people; callers map it to exit code 2 or HTTP 4xx.
 */
public class ArchiveException extends RuntimeException {

    public ArchiveException(String message) {
        super(message);
    }

    public ArchiveException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A run, checkpoint or parameter that does not exist (HTTP 404). */
    public static class NotFound extends ArchiveException {
        public NotFound(String message) {
            super(message);
        }
    }

    /** A file that exists but cannot be read as the format promises: corrupt, truncated, foreign or too new. */
    public static class Unreadable extends ArchiveException {
        public Unreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
