package org.dynalens.indexer;

import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.RunArchive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads what the index needs of a run's checkpoints from the archive: metrics and small keyword analyses. */
final class ArchiveCheckpoints {

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveCheckpoints.class);

    private ArchiveCheckpoints() {
    }

    /**
     * One document per readable checkpoint. A corrupt checkpoint is skipped with a warning: one bad file should
     * not hide the rest of the run from search.
     */
    static List<CheckpointDoc> read(RunArchive run) {
        List<CheckpointDoc> docs = new ArrayList<>();
        for (long step : run.checkpointSteps()) {
            try {
                // training metrics and, when the checkpoint was analysed, its progress measures
                Map<String, Double> metrics = new LinkedHashMap<>(run.readCheckpointMetrics(step));
                metrics.putAll(run.readCheckpointMeasures(step));
                docs.add(new CheckpointDoc(step, metrics, keywordAnalyses(run, step)));
            } catch (ArchiveException e) {
                LOG.warn("run {}: checkpoint at step {} not indexed: {}", run.id(), step, e.getMessage());
            }
        }
        return docs;
    }

    private static Map<String, List<String>> keywordAnalyses(RunArchive run, long step) {
        return CheckpointKeywords.of(name -> {
            try {
                return run.readTensor(step, "analysis/" + name);
            } catch (ArchiveException.NotFound e) {
                return null; // not every checkpoint has every analysis
            }
        });
    }
}
