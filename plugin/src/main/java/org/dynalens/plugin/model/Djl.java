package org.dynalens.plugin.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Starts DJL's PyTorch engine the way dynalens needs it: offline (natives come from the pytorch-native-cpu Maven
 * artifact, nothing is downloaded) and with one intra-op thread, the only setting under which PyTorch CPU kernels
 * are bitwise reproducible (ANCHORS.md section 4). Properties already set on the command line win.
 */
public final class Djl {

    private static Engine engine;

    private Djl() {
    }

    public static synchronized Engine engine() {
        if (engine == null) {
            setIfAbsent("ai.djl.offline", "true");
            setIfAbsent("ai.djl.pytorch.num_threads", "1");
            setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
            engine = Engine.getEngine("PyTorch");
        }
        return engine;
    }

    /**
     * A new root manager on the CPU; close it to free every array it owns. Also turns autograd off on the calling
     * thread (see {@link #gradientsOffOnThisThread()}), since every use of DJL here starts with a manager.
     */
    public static NDManager newManager() {
        gradientsOffOnThisThread();
        return engine().newBaseManager(Device.cpu());
    }

    /**
     * PyTorch's grad mode is per thread and on by default; DJL switches it off only on the thread that started the
     * engine. On any other thread, inference would build autograd graphs and the optimiser's in-place updates of
     * parameters would be refused ("a leaf Variable that requires grad is being used in an in-place operation").
     * A GradientCollector switches it on for its lifetime and restores it after.
     */
    public static void gradientsOffOnThisThread() {
        engine();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    /** Token ids {@code [rows, n]} row-major as the int64 array the model's embedding gather takes. */
    public static NDArray tokens(NDManager manager, int[] rowMajor, int rows) {
        long[] t = new long[rowMajor.length];
        for (int i = 0; i < t.length; i++) t[i] = rowMajor[i];
        return manager.create(t, new Shape(rows, rowMajor.length / rows));
    }
}
