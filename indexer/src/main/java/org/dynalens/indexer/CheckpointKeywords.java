package org.dynalens.indexer;

import org.dynalens.archive.HeadRoleFlags;
import org.dynalens.archive.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The keyword facts of a checkpoint for its index document, from its {@code analysis/} tensors:
 * <ul>
 *   <li>integer analyses of {@link Schema#KEYWORD_ANALYSES} (e.g. {@code key_freqs}), one value per entry;</li>
 *   <li>{@code head_roles}, decoded from its bit flags ({@link HeadRoleFlags}) into names such as
 *       {@code L1H0=induction}, so {@code has_checkpoint:(head_roles:"L1H0=induction" AND step:[0 TO 500])} finds
 *       the runs where some early checkpoint had an induction head.</li>
 * </ul>
 * Used both when (re)indexing from the archive and when indexing a checkpoint live as it is written, so the two
 * give the same documents.
 */
public final class CheckpointKeywords {

    private CheckpointKeywords() {
    }

    /**
     * @param analysis the checkpoint's analysis tensor by name (without {@code analysis/}), null when absent
     */
    public static Map<String, List<String>> of(Function<String, Tensor> analysis) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : Schema.KEYWORD_ANALYSES) {
            Tensor t = analysis.apply(name);
            if (t != null && t.dtype().startsWith("int")) {
                out.put(name, Arrays.stream(t.ints()).mapToObj(Integer::toString).toList());
            }
        }
        Tensor roles = analysis.apply(HeadRoleFlags.ANALYSIS_NAME);
        if (roles != null && roles.rank() == 2 && roles.dtype().startsWith("int")) {
            out.put(HeadRoleFlags.ANALYSIS_NAME, HeadRoleFlags.names(roles));
        }
        return out;
    }
}
