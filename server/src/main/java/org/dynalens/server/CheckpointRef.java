package org.dynalens.server;

import org.dynalens.archive.RunId;

/**
 * A checkpoint named in a request as {@code RUN@STEP}, e.g. {@code mod-add-p113-s0-1a2b3c4d@1000}; {@code STEP}
 * may be {@code latest}. Parsing checks only the form: whether the run and the step exist is checked against the
 * archive later (404), so a malformed reference is a 400 and a well-formed unknown one a 404.
 *
 * @param step the step, or -1 for the latest checkpoint
 */
record CheckpointRef(String run, long step) {

    static final long LATEST = -1;

    static CheckpointRef parse(String param, String raw) {
        if (raw == null || raw.isBlank()) {
            throw ApiError.badRequest("bad checkpoint", param + " is required, as RUN@STEP (e.g. " + param
                    + "=my-run@1000 or " + param + "=my-run@latest)");
        }
        int at = raw.lastIndexOf('@');
        if (at <= 0 || at == raw.length() - 1) {
            throw ApiError.badRequest("bad checkpoint", param + " must be RUN@STEP, got '" + clip(raw) + "'");
        }
        String run = raw.substring(0, at);
        String stepText = raw.substring(at + 1).trim();
        if (!RunId.isValid(run)) {
            throw ApiError.badRequest("bad checkpoint", param + ": '" + clip(run) + "' is not a valid run id (1-128 "
                    + "letters, digits, '.', '_' or '-')");
        }
        if (stepText.equals("latest")) return new CheckpointRef(run, LATEST);
        long step;
        try {
            step = Long.parseLong(stepText);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("bad checkpoint", param + ": step must be a non-negative integer or 'latest', got '"
                    + clip(stepText) + "'");
        }
        if (step < 0) throw ApiError.badRequest("bad checkpoint", param + ": step must be >= 0, got " + step);
        return new CheckpointRef(run, step);
    }

    /** Echoing a multi-kilobyte parameter back helps nobody. */
    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    @Override
    public String toString() {
        return run + "@" + (step == LATEST ? "latest" : Long.toString(step));
    }
}
