package org.dynalens.plugin.analysis.heads;

import org.dynalens.archive.HeadRoleFlags;

import java.util.List;

/**
 * Names what each head does from its scores: a head has a role when its mean score (see {@link HeadScores}) exceeds
 * {@link #THRESHOLD} = 0.4, i.e. it puts more than 40% of its attention, on average, where that role looks (a
 * uniform head over 32 positions puts about 1/16 there). A head may have several roles. Roles read
 * {@code L1H0=induction}, {@code L0H1=previous-token}, {@code L0H0=duplicate-token}; stored in a checkpoint as the
 * int32 [n_layers, n_heads] tensor {@code analysis/head_roles} of bit flags ({@link #PREVIOUS_TOKEN},
 * {@link #DUPLICATE_TOKEN}, {@link #INDUCTION}; the format is {@link HeadRoleFlags}).
 */
public final class HeadRoles {

    public static final double THRESHOLD = 0.4;
    public static final int PREVIOUS_TOKEN = HeadRoleFlags.PREVIOUS_TOKEN;
    public static final int DUPLICATE_TOKEN = HeadRoleFlags.DUPLICATE_TOKEN;
    public static final int INDUCTION = HeadRoleFlags.INDUCTION;

    private HeadRoles() {
    }

    /** The role flags of a head with these scores (NaN scores give no role). */
    public static int flags(double previousToken, double duplicateToken, double induction) {
        int f = 0;
        if (previousToken > THRESHOLD) f |= PREVIOUS_TOKEN;
        if (duplicateToken > THRESHOLD) f |= DUPLICATE_TOKEN;
        if (induction > THRESHOLD) f |= INDUCTION;
        return f;
    }

    /** {@code L<layer>H<head>=<role>} for each role of each head, from [n_layers * n_heads] row-major flags. */
    public static List<String> names(int[] flags, int nHeads) {
        return HeadRoleFlags.names(flags, nHeads);
    }
}
