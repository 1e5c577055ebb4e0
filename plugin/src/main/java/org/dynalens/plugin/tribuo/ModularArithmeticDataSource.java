package org.dynalens.plugin.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.SkeletalConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import org.dynalens.plugin.task.Examples;
import org.dynalens.plugin.task.ModularArithmetic;
import org.dynalens.plugin.task.Task;
import org.dynalens.plugin.task.Tasks;
import org.tribuo.ConfigurableDataSource;
import org.tribuo.Example;
import org.tribuo.OutputFactory;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.provenance.ConfiguredDataSourceProvenance;
import org.tribuo.provenance.DataSourceProvenance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A Tribuo data source for the modular-arithmetic tasks ({@code mod-add}, and any other task built on
 * {@link ModularArithmetic}): every pair {@code (a, b)} as an example with features {@code a@<a>}, {@code b@<b>}
 * and the answer as its {@link Label} (see {@link TokenEncoding}).
 *
 * <p>{@code subset} chooses which pairs: {@code ALL} (split them with Tribuo, e.g. a {@code TrainTestSplitter}), or
 * {@code TRAIN} / {@code TEST}, the seeded split {@code ./dynalens train --frac F --seed S} uses (the first
 * {@code floor(F * p^2)} pairs of a seeded permutation train), in the same order, so a Tribuo run sees exactly the
 * training data of the equivalent dynalens run. The examples are deterministic: the same configuration always gives
 * the same examples in the same order.
 */
public final class ModularArithmeticDataSource implements ConfigurableDataSource<Label> {

    /** Which pairs of the task the source yields. */
    public enum Subset {
        /** Every pair, in row-major (a, b) order. */
        ALL,
        /** The training pairs of dynalens's seeded split. */
        TRAIN,
        /** The held-out pairs of dynalens's seeded split. */
        TEST
    }

    private static final LabelFactory LABELS = new LabelFactory();

    @Config(description = "Task name from the dynalens task registry (a modular-arithmetic task, e.g. mod-add).")
    private String task = "mod-add";

    @Config(description = "The prime modulus p: tokens are 0..p-1 and there are p^2 pairs.")
    private int p = 113;

    @Config(description = "Which pairs: ALL, or TRAIN / TEST of the seeded split given by trainFraction and seed.")
    private Subset subset = Subset.ALL;

    @Config(description = "Fraction of the pairs in the TRAIN subset, in (0, 1); ignored for ALL.")
    private double trainFraction = 0.3;

    @Config(description = "Seed of the train/test permutation; ignored for ALL.")
    private long seed = 0;

    private List<Example<Label>> examples;

    /** For OLCUT. */
    private ModularArithmeticDataSource() {
    }

    /** A configured source; throws PropertyException naming the bad field. */
    public ModularArithmeticDataSource(String task, int p, Subset subset, double trainFraction, long seed) {
        this.task = task;
        this.p = p;
        this.subset = subset;
        this.trainFraction = trainFraction;
        this.seed = seed;
        postConfig();
    }

    @Override
    public void postConfig() {
        ModularArithmetic t = modularTask("", task, p);
        if (subset == null) throw new PropertyException("", "subset", "subset must be one of ALL, TRAIN, TEST");
        Examples all = t.allExamples();
        Examples chosen;
        if (subset == Subset.ALL) {
            chosen = all;
        } else {
            if (!(trainFraction > 0 && trainFraction < 1)) {
                throw new PropertyException("", "trainFraction", "trainFraction must be in (0, 1), got " + trainFraction);
            }
            Examples.Split split;
            try {
                split = all.split(trainFraction, seed);
            } catch (IllegalArgumentException e) {
                throw new PropertyException(e, "", "trainFraction", e.getMessage());
            }
            chosen = subset == Subset.TRAIN ? split.train() : split.test();
        }
        List<Example<Label>> out = new ArrayList<>(chosen.size());
        for (int i = 0; i < chosen.size(); i++) out.add(TokenEncoding.toExample(chosen, i));
        examples = Collections.unmodifiableList(out);
    }

    /**
     * The registered task {@code name} with prime {@code p}; a PropertyException names {@code task} or {@code p}
     * when the task is unknown, not modular arithmetic, or p is not a valid prime.
     */
    static ModularArithmetic modularTask(String component, String name, int p) {
        if (name == null || !Tasks.all().containsKey(name)) {
            throw new PropertyException(component, "task", "unknown task '" + name + "'; known tasks: "
                    + String.join(", ", Tasks.all().keySet()));
        }
        Task t;
        try {
            t = Tasks.create(name, Map.of("p", p));
        } catch (IllegalArgumentException e) {
            throw new PropertyException(e, component, "p", e.getMessage());
        }
        if (!(t instanceof ModularArithmetic m)) {
            throw new PropertyException(component, "task", "task '" + name + "' is not a modular-arithmetic task; "
                    + "the Tribuo trainer only maps (a, b) -> answer tasks");
        }
        return m;
    }

    public String task() {
        return task;
    }

    public int p() {
        return p;
    }

    public int size() {
        return examples.size();
    }

    @Override
    public OutputFactory<Label> getOutputFactory() {
        return LABELS;
    }

    @Override
    public Iterator<Example<Label>> iterator() {
        return examples.iterator();
    }

    @Override
    public DataSourceProvenance getProvenance() {
        return new ModularArithmeticDataSourceProvenance(this);
    }

    @Override
    public String toString() {
        return "ModularArithmeticDataSource(task=" + task + ", p=" + p + ", subset=" + subset
                + (subset == Subset.ALL ? "" : ", trainFraction=" + trainFraction + ", seed=" + seed) + ")";
    }

    /** Provenance: the configured fields (task, p, subset, trainFraction, seed), which fully determine the data. */
    public static final class ModularArithmeticDataSourceProvenance extends SkeletalConfiguredObjectProvenance
            implements ConfiguredDataSourceProvenance {
        private static final long serialVersionUID = 1L;

        ModularArithmeticDataSourceProvenance(ModularArithmeticDataSource host) {
            super(host, "DataSource");
        }

        /** Rebuilds the provenance from its marshalled form (Tribuo's protobuf and JSON provenance readers). */
        public ModularArithmeticDataSourceProvenance(Map<String, Provenance> map) {
            super(extract(map));
        }

        private static ExtractedInfo extract(Map<String, Provenance> map) {
            Map<String, Provenance> params = new HashMap<>(map);
            String who = ModularArithmeticDataSourceProvenance.class.getSimpleName();
            String className = ObjectProvenance.checkAndExtractProvenance(params, CLASS_NAME, StringProvenance.class,
                    who).getValue();
            String host = ObjectProvenance.checkAndExtractProvenance(params, HOST_SHORT_NAME, StringProvenance.class,
                    who).getValue();
            return new ExtractedInfo(className, host, params, Collections.emptyMap());
        }
    }
}
