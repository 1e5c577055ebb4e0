package org.dynalens.plugin.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.dynalens.plugin.task.SequenceBatch;

/**
 * Next-token cross-entropy of a batch in float64 at the counted positions, with the per-position losses and
 * (optionally) the float32 gradient with respect to the logits.
 */
public record NextTokenLoss(double loss, double accuracy, double[] lossByPosition, NDArray gradient) {

    public static NextTokenLoss of(NDArray logits, SequenceBatch b, int vocab, boolean withGradient) {
        NDManager m = logits.getManager();
        int rows = b.size(), n = b.contextLength();
        int counted = b.countedPositions();
        double[] oneHot = new double[rows * n * vocab];
        for (int i = 0; i < rows * n; i++) if (b.counted()[i]) oneHot[i * vocab + b.targets()[i]] = 1;
        NDArray target = m.create(oneHot, new Shape(rows, n, vocab));
        NDArray logProbs = logits.toType(DataType.FLOAT64, false).logSoftmax(2);
        double[] nll = logProbs.mul(target).sum(new int[] {2}).neg().toDoubleArray(); // 0 where not counted
        int[] predicted = logits.argMax(2).toType(DataType.INT32, false).toIntArray();
        double total = 0, correct = 0;
        double[] sum = new double[n];
        int[] count = new int[n];
        for (int i = 0; i < rows * n; i++) {
            if (!b.counted()[i]) continue;
            total += nll[i];
            sum[i % n] += nll[i];
            count[i % n]++;
            if (predicted[i] == b.targets()[i]) correct++;
        }
        double[] byPosition = new double[n];
        for (int i = 0; i < n; i++) byPosition[i] = count[i] == 0 ? Double.NaN : sum[i] / count[i];
        NDArray gradient = null;
        if (withGradient) {
            double[] weight = new double[rows * n];
            for (int i = 0; i < weight.length; i++) weight[i] = b.counted()[i] ? 1.0 / counted : 0;
            NDArray w = m.create(weight, new Shape(rows, n, 1));
            gradient = logProbs.exp().sub(target).mul(w).toType(DataType.FLOAT32, false);
        }
        return new NextTokenLoss(total / counted, correct / counted, byPosition, gradient);
    }
}
