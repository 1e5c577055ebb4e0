package org.dynalens.plugin.tribuo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.oracle.labs.mlrg.olcut.util.Pair;
import org.dynalens.archive.Tensor;
import org.dynalens.plugin.model.Djl;
import org.dynalens.plugin.model.ModelConfig;
import org.dynalens.plugin.model.Transformer;
import org.dynalens.plugin.task.ModularArithmetic;
import org.dynalens.plugin.task.Tasks;
import org.dynalens.plugin.tribuo.protos.TensorProto;
import org.dynalens.plugin.tribuo.protos.TransformerModelProto;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.impl.ModelDataCarrier;
import org.tribuo.protos.core.ModelDataProto;
import org.tribuo.protos.core.ModelProto;
import org.tribuo.provenance.ModelProvenance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The trained grokking transformer as a Tribuo {@link Model}: it predicts the answer {@link Label} of examples with
 * features {@code a@<a>}, {@code b@<b>} ({@link TokenEncoding}), with softmax probabilities over all p answers.
 *
 * <p>The weights are plain float arrays by TransformerLens name (the archived run's last checkpoint, named by
 * {@link #runId()} and {@link #step()}). No DJL object is kept in the model: each {@code predict} call builds the
 * network in a short-lived NDManager, runs one batched forward pass and frees it. That makes the model trivially
 * Java-serialisable and copyable, and it never holds native memory between calls; the cost is ~10 ms of set-up per
 * call (batch your predictions: {@code predict(Iterable)} runs one forward pass for the whole batch).
 *
 * <p>Protobuf: {@link #serialize()} writes a {@link ModelProto} whose payload is a {@link TransformerModelProto}
 * (plugin/src/main/protobuf/dynalens-tribuo.proto); {@link Model#deserialize(ModelProto)} reads it back through
 * {@link #deserializeFromProto(int, String, Any)}.
 */
public final class TransformerModel extends Model<Label> {

    private static final long serialVersionUID = 1L;
    /** Version of the protobuf payload. */
    public static final int CURRENT_VERSION = 0;

    private final String task;
    private final int p;
    private final int nLayers;
    private final int dModel;
    private final int nHeads;
    private final int dHead;
    private final int dMlp;
    private final LinkedHashMap<String, float[]> weights;
    private final LinkedHashMap<String, int[]> shapes;
    private final String runId;
    private final long step;

    TransformerModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap,
                     ImmutableOutputInfo<Label> outputIDInfo, String task, int p, ModelConfig shape,
                     Map<String, Tensor> weights, String runId, long step) {
        super(name, provenance, featureIDMap, outputIDInfo, true);
        this.task = task;
        this.p = p;
        this.nLayers = shape.nLayers();
        this.dModel = shape.dModel();
        this.nHeads = shape.nHeads();
        this.dHead = shape.dHead();
        this.dMlp = shape.dMlp();
        this.weights = new LinkedHashMap<>();
        this.shapes = new LinkedHashMap<>();
        weights.forEach((k, v) -> {
            this.weights.put(k, v.floats().clone());
            this.shapes.put(k, v.shape().clone());
        });
        this.runId = runId;
        this.step = step;
        modelConfig(); // checks the task settings; weight names and shapes are checked when the net is built
    }

    /** The archived run these weights were trained in. */
    public String runId() {
        return runId;
    }

    /** The checkpoint step of the run these weights are. */
    public long step() {
        return step;
    }

    public String task() {
        return task;
    }

    public int p() {
        return p;
    }

    /** The weights by TransformerLens name (copies). */
    public Map<String, Tensor> weights() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> out.put(k, Tensor.of(v.clone(), shapes.get(k).clone())));
        return out;
    }

    private ModularArithmetic modularTask() {
        return (ModularArithmetic) Tasks.create(task, Map.of("p", p));
    }

    private ModelConfig modelConfig() {
        ModularArithmetic t = modularTask();
        return new ModelConfig(nLayers, dModel, nHeads, dHead, dMlp, t.inputVocab(), t.outputVocab(), t.contextLength());
    }

    @Override
    public Prediction<Label> predict(Example<Label> example) {
        return innerPredict(List.of(example)).get(0);
    }

    /** One forward pass for the whole batch. */
    @Override
    protected List<Prediction<Label>> innerPredict(Iterable<Example<Label>> examples) {
        List<Example<Label>> batch = new ArrayList<>();
        examples.forEach(batch::add);
        if (batch.isEmpty()) return List.of();
        ModularArithmetic t = modularTask();
        int ctx = t.contextLength();
        int[] tokens = new int[batch.size() * ctx];
        for (int i = 0; i < batch.size(); i++) TokenEncoding.toTokens(batch.get(i), i, t, tokens, i * ctx);
        float[][] logits = logits(tokens, batch.size());
        List<Prediction<Label>> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) out.add(prediction(batch.get(i), logits[i]));
        return out;
    }

    private float[][] logits(int[] tokens, int n) {
        try (NDManager manager = Djl.newManager();
             Transformer net = Transformer.fromTensors(modelConfig(), weights(), manager)) {
            NDArray out = net.lastLogits(Djl.tokens(manager, tokens, n));
            float[] flat = out.toType(DataType.FLOAT32, false).toFloatArray();
            int vocab = flat.length / n;
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) rows[i] = Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
            return rows;
        }
    }

    /** Softmax over the p answers (in double precision); the label with the largest logit wins. */
    private Prediction<Label> prediction(Example<Label> example, float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        int best = 0;
        for (int k = 0; k < logits.length; k++) {
            if (logits[k] > max) {
                max = logits[k];
                best = k;
            }
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int k = 0; k < logits.length; k++) sum += e[k] = Math.exp(logits[k] - max);
        Map<String, Label> scores = new LinkedHashMap<>();
        for (int k = 0; k < logits.length; k++) {
            String name = Integer.toString(k);
            scores.put(name, new Label(name, e[k] / sum));
        }
        return new Prediction<>(scores.get(Integer.toString(best)), scores, 2, example, true);
    }

    /**
     * An honest stand-in for feature importance: a transformer has no per-feature weight. Every feature
     * {@code a@k} / {@code b@k} is scored by the L2 norm of its residual-stream input, {@code |W_E[k] + W_pos[i]|}
     * (i = 0 for {@code a}, 1 for {@code b}), under {@link Model#ALL_OUTPUTS}: how large that input is, not how much
     * it changes a prediction. Sorted descending; {@code n < 0} returns all.
     */
    @Override
    public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
        float[] wE = weights.get("embed.W_E");
        float[] wPos = weights.get("pos_embed.W_pos");
        List<Pair<String, Double>> scored = new ArrayList<>();
        String[] operands = {TokenEncoding.FIRST, TokenEncoding.SECOND};
        for (int pos = 0; pos < operands.length; pos++) {
            for (int k = 0; k < p; k++) {
                double s = 0;
                for (int d = 0; d < dModel; d++) {
                    double v = wE[k * dModel + d] + wPos[pos * dModel + d];
                    s += v * v;
                }
                scored.add(new Pair<>(TokenEncoding.featureName(operands[pos], k), Math.sqrt(s)));
            }
        }
        scored.sort(Comparator.comparing((Pair<String, Double> x) -> x.getB()).reversed());
        List<Pair<String, Double>> top = n < 0 ? scored : scored.subList(0, Math.min(n, scored.size()));
        return Map.of(Model.ALL_OUTPUTS, new ArrayList<>(top));
    }

    /**
     * Always empty: the model has no built-in explanation of a single prediction. Use a model-agnostic explainer
     * (e.g. Tribuo's LIME in tribuo-classification-explanations) if you need one.
     */
    @Override
    public Optional<Excuse<Label>> getExcuse(Example<Label> example) {
        return Optional.empty();
    }

    @Override
    protected TransformerModel copy(String newName, ModelProvenance newProvenance) {
        return new TransformerModel(newName, newProvenance, featureIDMap, outputIDInfo, task, p, modelConfig(),
                weights(), runId, step);
    }

    @Override
    public ModelProto serialize() {
        ModelDataCarrier<Label> carrier = createDataCarrier();
        TransformerModelProto.Builder b = TransformerModelProto.newBuilder()
                .setModelData(carrier.serialize().toByteString())
                .setTask(task).setP(p)
                .setNLayers(nLayers).setDModel(dModel).setNHeads(nHeads).setDHead(dHead).setDMlp(dMlp)
                .setRunId(runId).setStep(step);
        weights.forEach((name, values) -> {
            TensorProto.Builder t = TensorProto.newBuilder().setName(name);
            for (int d : shapes.get(name)) t.addShape(d);
            for (float v : values) t.addValues(v);
            b.addWeights(t);
        });
        return ModelProto.newBuilder()
                .setVersion(CURRENT_VERSION)
                .setClassName(TransformerModel.class.getName())
                .setSerializedData(Any.pack(b.build()))
                .build();
    }

    /** Tribuo's protobuf entry point (found by reflection from {@link ModelProto#getClassName()}). */
    @SuppressWarnings("unchecked")
    public static TransformerModel deserializeFromProto(int version, String className, Any message)
            throws InvalidProtocolBufferException {
        if (version < 0 || version > CURRENT_VERSION) {
            throw new IllegalArgumentException("unknown TransformerModel proto version " + version + ", this code reads "
                    + "up to " + CURRENT_VERSION);
        }
        TransformerModelProto proto = message.unpack(TransformerModelProto.class);
        ModelDataCarrier<?> carrier = ModelDataCarrier.deserialize(ModelDataProto.parseFrom(proto.getModelData()));
        if (!carrier.outputDomain().getOutput(0).getClass().equals(Label.class)) {
            throw new IllegalStateException("TransformerModel proto has a non-Label output domain");
        }
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (TensorProto t : proto.getWeightsList()) {
            int[] shape = t.getShapeList().stream().mapToInt(Integer::intValue).toArray();
            float[] values = new float[t.getValuesCount()];
            for (int i = 0; i < values.length; i++) values[i] = t.getValues(i);
            weights.put(t.getName(), Tensor.of(values, shape));
        }
        ModularArithmetic task = (ModularArithmetic) Tasks.create(proto.getTask(), Map.of("p", proto.getP()));
        ModelConfig shape = new ModelConfig(proto.getNLayers(), proto.getDModel(), proto.getNHeads(), proto.getDHead(),
                proto.getDMlp(), task.inputVocab(), task.outputVocab(), task.contextLength());
        return new TransformerModel(carrier.name(), carrier.provenance(), carrier.featureDomain(),
                (ImmutableOutputInfo<Label>) carrier.outputDomain(), proto.getTask(), proto.getP(), shape, weights,
                proto.getRunId(), proto.getStep());
    }

    @Override
    public String toString() {
        return "TransformerModel(" + task + ", p=" + p + ", run " + runId + " step " + step + ")";
    }
}
