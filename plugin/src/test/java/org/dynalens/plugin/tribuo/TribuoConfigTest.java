package org.dynalens.plugin.tribuo;

import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad configurations fail when the configuration is read, with a message naming the field. */
class TribuoConfigTest {

    @TempDir
    Path dir;

    private String config(String trainerProperties) throws Exception {
        Path file = dir.resolve("config.xml");
        Files.writeString(file, """
                <?xml version="1.0" encoding="UTF-8"?>
                <config>
                    <component name="transformer" type="org.dynalens.plugin.tribuo.TransformerTrainer">
                        <property name="archive" value="%s"/>
                        %s
                    </component>
                    <component name="train-data" type="org.dynalens.plugin.tribuo.ModularArithmeticDataSource">
                        <property name="p" value="23"/>
                    </component>
                </config>
                """.formatted(dir.resolve("runs"), trainerProperties));
        return file.toString();
    }

    private String failure(String trainerProperties) throws Exception {
        String file = config(trainerProperties);
        Exception e = assertThrows(RuntimeException.class, () -> new ConfigurationManager(file).lookup("transformer"));
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) all.append(t.getMessage()).append(" | ");
        return all.toString();
    }

    @Test
    void aValidConfigLoads() throws Exception {
        var cm = new ConfigurationManager(config("<property name=\"p\" value=\"23\"/>"));
        assertTrue(cm.lookup("transformer") instanceof TransformerTrainer);
    }

    @Test
    void unknownFieldIsNamed() throws Exception {
        String m = failure("<property name=\"learningRate\" value=\"0.1\"/>");
        assertTrue(m.contains("learningRate"), m);
    }

    @Test
    void negativeLearningRateIsNamed() throws Exception {
        String m = failure("<property name=\"lr\" value=\"-0.001\"/>");
        assertTrue(m.contains("lr must be a positive number, got -0.001"), m);
    }

    @Test
    void pNotPrimeIsNamed() throws Exception {
        String m = failure("<property name=\"p\" value=\"22\"/>");
        assertTrue(m.contains("p must be a prime, got 22"), m);
    }

    @Test
    void unknownTaskIsNamed() throws Exception {
        String m = failure("<property name=\"task\" value=\"mod-nope\"/>");
        assertTrue(m.contains("unknown task 'mod-nope'") && m.contains("mod-add"), m);
    }

    @Test
    void missingArchiveIsNamed() throws Exception {
        Path file = dir.resolve("no-archive.xml");
        Files.writeString(file, """
                <?xml version="1.0" encoding="UTF-8"?>
                <config>
                    <component name="transformer" type="org.dynalens.plugin.tribuo.TransformerTrainer"/>
                </config>
                """);
        Exception e = assertThrows(RuntimeException.class, () -> new ConfigurationManager(file.toString()).lookup("transformer"));
        assertTrue(e.getMessage().contains("archive"), e.getMessage());
    }

    @Test
    void missingDataSourceIsNamed() throws Exception {
        String file = config("");
        Exception e = assertThrows(RuntimeException.class, () -> WriteDataset.write(new String[] {"-c", file,
                "--data-source", "test-data", "--output", dir.resolve("test.tribuo").toString()}));
        assertTrue(e.getMessage().contains("test-data"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WriteDataset.write(new String[] {"-c", file,
                "--output", dir.resolve("test.tribuo").toString()}));
        assertTrue(e.getMessage().contains("--data-source is required"), e.getMessage());
    }

    @Test
    void badDataSourceFieldIsNamed() throws Exception {
        Path file = dir.resolve("bad-source.xml");
        Files.writeString(file, """
                <?xml version="1.0" encoding="UTF-8"?>
                <config>
                    <component name="train-data" type="org.dynalens.plugin.tribuo.ModularArithmeticDataSource">
                        <property name="subset" value="TRAIN"/>
                        <property name="trainFraction" value="1.5"/>
                    </component>
                </config>
                """);
        Exception e = assertThrows(RuntimeException.class, () -> new ConfigurationManager(file.toString()).lookup("train-data"));
        assertTrue(e.getMessage().contains("trainFraction must be in (0, 1), got 1.5"), e.getMessage());
    }

    @Test
    void configFieldsListEveryHyperParameterAsPlainData() {
        List<Map<String, Object>> fields = TransformerTrainer.configFields();
        Map<String, Map<String, Object>> byName = fields.stream()
                .collect(Collectors.toMap(f -> (String) f.get("name"), f -> f));
        assertEquals(List.of("task", "p", "seed", "steps", "checkpointEvery", "evalEvery", "lr", "weightDecay", "beta1",
                "beta2", "eps", "warmupSteps", "dModel", "nHeads", "dHead", "dMlp", "archive"),
                fields.stream().map(f -> f.get("name")).toList());
        assertEquals(Map.of("name", "p", "type", "int", "default", 113, "mandatory", false,
                "description", byName.get("p").get("description")), byName.get("p"));
        assertEquals("double", byName.get("lr").get("type"));
        assertEquals(1e-3, byName.get("lr").get("default"));
        assertEquals("path", byName.get("archive").get("type"));
        assertEquals(true, byName.get("archive").get("mandatory"));
        assertTrue(!byName.get("archive").containsKey("default"));
        for (Map<String, Object> f : fields) assertTrue(!((String) f.get("description")).isBlank(), f.toString());

        Map<String, Map<String, Object>> source = ConfigFields.describe(ModularArithmeticDataSource.class).stream()
                .collect(Collectors.toMap(f -> (String) f.get("name"), f -> f));
        assertEquals("enum", source.get("subset").get("type"));
        assertEquals(List.of("ALL", "TRAIN", "TEST"), source.get("subset").get("values"));
        assertEquals("ALL", source.get("subset").get("default"));
    }
}
