package org.dynalens.archive;

import java.util.regex.Pattern;

/**
 * Run ids name directories, so they are restricted to a safe alphabet: no path from a request can reach outside
 * the archive through a run id.
 */
public final class RunId {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private RunId() {
    }

    public static boolean isValid(String id) {
        return id != null && SAFE.matcher(id).matches() && !id.contains("..");
    }

    public static String check(String id) {
        if (!isValid(id)) {
            throw new ArchiveException.NotFound("invalid run id '" + id + "': use 1-128 letters, digits, '.', '_' or '-'");
        }
        return id;
    }
}
