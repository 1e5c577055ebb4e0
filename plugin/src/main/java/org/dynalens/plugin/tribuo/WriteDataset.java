package org.dynalens.plugin.tribuo;

import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.Option;
import com.oracle.labs.mlrg.olcut.config.Options;
import com.oracle.labs.mlrg.olcut.config.UsageException;
import org.tribuo.ConfigurableDataSource;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the examples of a data source named in an OLCUT config file as a Tribuo protobuf dataset, the input of
 * Tribuo's {@code ConfigurableTrainTest --input-format SERIALIZED_PROTOBUF}, which reads datasets from files only:
 * <pre>
 * java -cp CLASSPATH org.dynalens.plugin.tribuo.WriteDataset -c configs/tribuo/mod-add-p23.xml \
 *      --data-source train-data --output data/train.tribuo
 * </pre>
 * The dataset keeps the data source's provenance, so a model trained from the file still records which task, p
 * and split its data came from.
 */
public final class WriteDataset {

    /** Command-line options (OLCUT). */
    public static final class WriteDatasetOptions implements Options {
        @Option(longName = "data-source", usage = "Name of the data source component in the config file.")
        public ConfigurableDataSource<Label> dataSource;

        @Option(longName = "output", usage = "The protobuf dataset file to write (parent directories are created).")
        public Path output;

        @Override
        public String getOptionsDescription() {
            return "Writes a configured Tribuo data source to a protobuf dataset file for ConfigurableTrainTest.";
        }
    }

    private WriteDataset() {
    }

    public static void main(String[] args) throws IOException {
        try {
            System.out.println("wrote " + write(args));
        } catch (UsageException e) {
            System.out.println(e.getMessage());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Parses {@code args}, writes the dataset and returns its path; bad arguments throw with a clear message. */
    public static Path write(String[] args) throws IOException {
        WriteDatasetOptions o = new WriteDatasetOptions();
        try (ConfigurationManager cm = new ConfigurationManager(args, o)) {
            if (o.dataSource == null) {
                throw new IllegalArgumentException("--data-source is required: the name of a data source component "
                        + "in the config file (-c)");
            }
            if (o.output == null) throw new IllegalArgumentException("--output is required: the dataset file to write");
            MutableDataset<Label> dataset = new MutableDataset<>(o.dataSource);
            Path parent = o.output.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            dataset.serializeToFile(o.output);
            return o.output;
        }
    }
}
