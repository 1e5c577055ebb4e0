package org.dynalens.indexer;

/** A query the user wrote that cannot be parsed; the message says what and where (HTTP 400, CLI exit 2). */
public class QueryException extends IllegalArgumentException {

    private final int position;

    public QueryException(String message, int position, Throwable cause) {
        super(message, cause);
        this.position = position;
    }

    /** Character offset of the error in the query, or -1 when unknown. */
    public int position() {
        return position;
    }
}
