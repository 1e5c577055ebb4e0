package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.plugin.tribuo.WriteDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.classification.experiments.ConfigurableTrainTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run trained by Tribuo's ConfigurableTrainTest from the shipped config lands in the archive, and after
 * {@code dynalens reindex} it is found by its trainer and its Tribuo provenance like any other run.
 */
class TribuoRunSearchTest {

    static final String CONFIG = "../configs/tribuo/mod-add-p23.xml";

    @TempDir
    Path tmp;

    @Test
    void aTribuoTrainedRunIsSearchableByTrainerAndProvenanceAfterReindex() throws Exception {
        Path archive = tmp.resolve("archive");
        Path train = WriteDataset.write(new String[] {"-c", CONFIG, "--data-source", "train-data", "--output",
                tmp.resolve("train.tribuo").toString()});
        Path test = WriteDataset.write(new String[] {"-c", CONFIG, "--data-source", "test-data", "--output",
                tmp.resolve("test.tribuo").toString()});
        ConfigurableTrainTest.main(new String[] {"-c", CONFIG, "--trainer", "transformer",
                "--@transformer.archive", archive.toString(), "--input-format", "SERIALIZED_PROTOBUF",
                "--training-file", train.toString(), "--testing-file", test.toString()});

        List<String> ids = Archive.open(archive).runIds();
        assertEquals(1, ids.size(), ids.toString());
        String id = ids.get(0);
        assertFalse(Files.exists(archive.resolve("index")), "nothing indexed yet: the plugin does not index");

        CliTest.Result reindex = CliTest.run("reindex", "--archive", archive.toString());
        assertEquals(0, reindex.code(), reindex.err());
        assertTrue(reindex.out().contains("indexed 1 run(s)"), reindex.out());

        for (String query : List.of("trainer:*TransformerTrainer",
                "trainer:*Transformer* AND provenance.tribuo.trainer.seed:0",
                "provenance.tribuo.dataset.datasource.subset:TRAIN AND provenance.split:tribuo",
                "task:mod-add AND p:23 AND test_loss:[0 TO 100]")) {
            CliTest.Result search = CliTest.run("search", "--archive", archive.toString(), query);
            assertEquals(0, search.code(), query + ": " + search.err());
            assertTrue(search.out().contains(id) && search.out().contains("1 run(s) match"), query + ": " + search.out());
        }
        CliTest.Result other = CliTest.run("search", "--archive", archive.toString(),
                "trainer:*TransformerTrainer AND provenance.tribuo.trainer.seed:1");
        assertTrue(other.out().contains("0 run(s) match"), other.out());
    }
}
