package org.dynalens.archive;

import java.util.ArrayList;
import java.util.List;

/**
 * The format of a checkpoint's {@code analysis/head_roles}: int32 [n_layers, n_heads], each entry the bit flags of
 * the roles of that head ({@link #PREVIOUS_TOKEN} 1, {@link #DUPLICATE_TOKEN} 2, {@link #INDUCTION} 4). Part of the
 * archive format so that writers (the plugin's head scores) and readers (the indexer) agree on one definition.
 * Roles read {@code L<layer>H<head>=<role>}, e.g. {@code L1H0=induction}.
 */
public final class HeadRoleFlags {

    public static final String ANALYSIS_NAME = "head_roles";
    public static final int PREVIOUS_TOKEN = 1;
    public static final int DUPLICATE_TOKEN = 2;
    public static final int INDUCTION = 4;

    private HeadRoleFlags() {
    }

    /** {@code L<layer>H<head>=<role>} for each role of each head, from [n_layers * n_heads] row-major flags. */
    public static List<String> names(int[] flags, int nHeads) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < flags.length; i++) {
            String head = "L" + (i / nHeads) + "H" + (i % nHeads) + "=";
            if ((flags[i] & PREVIOUS_TOKEN) != 0) out.add(head + "previous-token");
            if ((flags[i] & DUPLICATE_TOKEN) != 0) out.add(head + "duplicate-token");
            if ((flags[i] & INDUCTION) != 0) out.add(head + "induction");
        }
        return out;
    }

    /** The role names of a stored {@code analysis/head_roles} tensor ([n_layers, n_heads] ints). */
    public static List<String> names(Tensor roles) {
        if (roles.rank() != 2 || !roles.dtype().startsWith("int")) {
            throw new IllegalArgumentException("head_roles must be an int [n_layers, n_heads] tensor, got "
                    + roles.dtype() + " " + java.util.Arrays.toString(roles.shape()));
        }
        return names(roles.ints(), roles.shape()[1]);
    }
}
