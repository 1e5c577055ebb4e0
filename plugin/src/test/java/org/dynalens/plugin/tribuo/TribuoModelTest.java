package org.dynalens.plugin.tribuo;

import com.oracle.labs.mlrg.olcut.util.Pair;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.ModularAddition;
import org.dynalens.plugin.tribuo.ModularArithmeticDataSource.Subset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;
import org.tribuo.protos.core.ModelProto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trained model as a Tribuo model: predictions, round trips through protobuf and Java serialisation, copy. */
class TribuoModelTest {

    @TempDir
    static Path dir;
    static TransformerModel model;
    static MutableDataset<Label> test;

    @BeforeAll
    static void train() {
        var trainer = new TransformerTrainer(dir.resolve("runs"), 23, 20, 10);
        MutableDataset<Label> train = new MutableDataset<>(new ModularArithmeticDataSource("mod-add", 23, Subset.TRAIN, 0.5, 0));
        test = new MutableDataset<>(new ModularArithmeticDataSource("mod-add", 23, Subset.TEST, 0.5, 0));
        model = (TransformerModel) trainer.train(train);
    }

    @Test
    void dataSourceMapsPairsToOneHotFeaturesAndTheAnswerLabel() {
        var all = new ModularArithmeticDataSource("mod-add", 23, Subset.ALL, 0.5, 0);
        assertEquals(529, all.size());
        Example<Label> ex = new ArrayList<Example<Label>>() {{ all.forEach(this::add); }}.get(23 * 7 + 20); // a=7, b=20
        List<String> names = new ArrayList<>();
        for (Feature f : ex) names.add(f.getName() + "=" + f.getValue());
        assertEquals(List.of("a@7=1.0", "b@20=1.0"), names);
        assertEquals(new Label("4"), ex.getOutput()); // (7 + 20) mod 23

        // TRAIN is dynalens's seeded split, same pairs in the same order
        Examples.Split split = new ModularAddition(23).allExamples().split(0.5, 0);
        var train = new ModularArithmeticDataSource("mod-add", 23, Subset.TRAIN, 0.5, 0);
        assertEquals(split.train().size(), train.size());
        int i = 0;
        for (Example<Label> e : train) {
            assertEquals(TokenEncoding.featureName("a", split.train().tokens()[3 * i]), e.lookup("a@" + split.train().tokens()[3 * i]).getName());
            assertEquals(Integer.toString(split.train().labels()[i]), e.getOutput().getLabel());
            i++;
        }
    }

    @Test
    void predictsEveryAnswerWithProbabilities() {
        List<Prediction<Label>> ps = model.predict(test);
        assertEquals(test.size(), ps.size());
        for (Prediction<Label> p : ps) {
            assertEquals(23, p.getOutputScores().size());
            double sum = p.getOutputScores().values().stream().mapToDouble(Label::getScore).sum();
            assertEquals(1.0, sum, 1e-9);
            assertTrue(p.hasProbabilities());
        }
        assertEquals(5, model.getOutputIDInfo().getID(new Label("5")));
        // one example alone gives the same prediction as in the batch
        Prediction<Label> single = model.predict(test.getExample(3));
        assertTrue(single.distributionEquals(ps.get(3), 1e-6));
    }

    @Test
    void protobufRoundTripGivesIdenticalPredictions() throws Exception {
        ModelProto proto = model.serialize();
        assertEquals(TransformerModel.class.getName(), proto.getClassName());
        Model<?> back = Model.deserialize(ModelProto.parseFrom(proto.toByteArray()));
        TransformerModel m = assertInstanceOf(TransformerModel.class, back);
        assertIdentical(model.predict(test), m.predict(test));
        assertEquals(model.getProvenance(), m.getProvenance());
        assertEquals(model.runId(), m.runId());

        Path file = dir.resolve("model.tribuo");
        model.serializeToFile(file);
        assertIdentical(model.predict(test), ((TransformerModel) Model.deserializeFromFile(file)).predict(test));
    }

    @Test
    void javaSerialisationRoundTripGivesIdenticalPredictions() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(model);
        }
        TransformerModel back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (TransformerModel) in.readObject();
        }
        assertIdentical(model.predict(test), back.predict(test));
        assertEquals(model.getProvenance(), back.getProvenance());
    }

    @Test
    void copyPredictsTheSameAndTopFeaturesAreEmbeddingNorms() {
        assertIdentical(model.predict(test), model.copy().predict(test));
        Map<String, List<Pair<String, Double>>> top = model.getTopFeatures(5);
        List<Pair<String, Double>> all = top.get(Model.ALL_OUTPUTS);
        assertEquals(5, all.size());
        for (int i = 1; i < all.size(); i++) assertTrue(all.get(i - 1).getB() >= all.get(i).getB());
        assertEquals(46, model.getTopFeatures(-1).get(Model.ALL_OUTPUTS).size());
        assertTrue(model.getExcuse(test.getExample(0)).isEmpty());
    }

    @Test
    void anExampleWithoutBothOperandsIsRejectedNamingIt() {
        var bad = new ArrayExample<>(new Label("3"), new String[] {"a@3"}, new double[] {1});
        var e = assertThrows(IllegalArgumentException.class, () -> model.predict(bad));
        assertTrue(e.getMessage().contains("lacks a 'b@k' feature"), e.getMessage());
        var outOfRange = new ArrayExample<>(new Label("3"), new String[] {"a@3", "b@23"}, new double[] {1, 1});
        e = assertThrows(IllegalArgumentException.class, () -> model.predict(outOfRange));
        assertTrue(e.getMessage().contains("b@23") && e.getMessage().contains("outside [0, 23)"), e.getMessage());
    }

    private static void assertIdentical(List<Prediction<Label>> a, List<Prediction<Label>> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).getOutput().getLabel(), b.get(i).getOutput().getLabel(), "prediction " + i);
            assertTrue(a.get(i).distributionEquals(b.get(i), 0.0), "scores of prediction " + i);
        }
    }
}
