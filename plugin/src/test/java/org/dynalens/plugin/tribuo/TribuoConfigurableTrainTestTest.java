package org.dynalens.plugin.tribuo;

import org.dynalens.archive.Archive;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.ModularAddition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Dataset;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.experiments.ConfigurableTrainTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Tribuo user's path, verbatim from the README: write the shipped config's data sources to protobuf datasets,
 * train with Tribuo's own ConfigurableTrainTest naming our trainer in the shipped config file, then find the run in
 * the dynalens archive with its Tribuo provenance, and the saved model in Tribuo's protobuf format.
 */
class TribuoConfigurableTrainTestTest {

    static final String CONFIG = "../configs/tribuo/mod-add-p23.xml";

    @TempDir
    Path dir;

    @Test
    void configurableTrainTestFromTheShippedConfigArchivesTheRunWithProvenance() throws Exception {
        Path runs = dir.resolve("runs");
        Path train = WriteDataset.write(new String[] {"-c", CONFIG, "--data-source", "train-data", "--output",
                dir.resolve("data/train.tribuo").toString()});
        Path test = WriteDataset.write(new String[] {"-c", CONFIG, "--data-source", "test-data", "--output",
                dir.resolve("data/test.tribuo").toString()});
        Path modelFile = dir.resolve("model.tribuo");

        ConfigurableTrainTest.main(new String[] {"-c", CONFIG, "--trainer", "transformer",
                "--@transformer.archive", runs.toString(),
                "--training-file", train.toString(), "--testing-file", test.toString(),
                "--input-format", "SERIALIZED_PROTOBUF", "--model-output-protobuf", "true",
                "--model-output-path", modelFile.toString()});

        // the run is in the archive, like one from ./dynalens train
        Archive archive = Archive.open(runs);
        List<String> ids = archive.runIds();
        assertEquals(1, ids.size(), "one run in " + ids);
        RunArchive run = archive.run(ids.get(0));
        RunInfo info = run.info();
        assertTrue(info.id().startsWith("tribuo-mod-add-p23-s0-"), info.id());
        assertEquals("mod-add", info.task());
        assertEquals(List.of(0L, 10L, 20L, 30L), run.checkpointSteps());
        assertEquals("finished", info.summary().get("status"));
        assertEquals(23, ((Number) info.config().get("p")).intValue());
        assertEquals(264.0 / 529, ((Number) info.config().get("train_fraction")).doubleValue(), 1e-12);
        assertTrue(run.readMetrics().names().contains("test_loss"));

        // with the Tribuo provenance: trainer fields, data source fields
        assertEquals(TransformerTrainer.class.getName(), info.provenance().get("trainer"));
        assertEquals("tribuo", info.provenance().get("split"));
        Map<?, ?> tribuo = (Map<?, ?>) info.provenance().get("tribuo");
        Map<?, ?> trainer = (Map<?, ?>) tribuo.get("trainer");
        assertEquals(TransformerTrainer.class.getName(), trainer.get("class-name"));
        assertEquals("0", String.valueOf(trainer.get("seed")));
        assertEquals("30", String.valueOf(trainer.get("steps")));
        Map<?, ?> source = (Map<?, ?>) ((Map<?, ?>) tribuo.get("dataset")).get("datasource");
        assertEquals(ModularArithmeticDataSource.class.getName(), source.get("class-name"));
        assertEquals("TRAIN", String.valueOf(source.get("subset")));

        // the saved protobuf model is the run's last checkpoint and predicts through Tribuo
        Model<?> loaded = Model.deserializeFromFile(modelFile);
        TransformerModel model = assertInstanceOf(TransformerModel.class, loaded);
        assertEquals(info.id(), model.runId());
        assertEquals(30, model.step());
        Map<String, Tensor> archived = run.readCheckpoint(30).params();
        model.weights().forEach((name, t) -> assertArrayEquals(archived.get(name).floats(), t.floats(), name));
        assertEquals(info.id(), model.getProvenance().getInstanceProvenance().getMap().get("dynalens-run-id").toString()
                .replaceAll(".*=", "").trim());

        @SuppressWarnings("unchecked")
        Dataset<Label> testSet = (Dataset<Label>) Dataset.deserializeFromFile(test);
        List<Prediction<Label>> predictions = model.castModel(Label.class).predict(testSet);
        assertEquals(testSet.size(), predictions.size());

        // the held-out set the run measured on is exactly the data source's TEST subset (dynalens's seeded split)
        Examples.Split split = new ModularAddition(23).allExamples().split(0.5, 0);
        assertEquals(split.test().size(), testSet.size());
        assertTrue(Files.isRegularFile(run.checkpointPath(30)));
    }
}
