package org.dynalens.plugin.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

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

    /** A new root manager on the CPU; close it to free every array it owns. */
    public static NDManager newManager() {
        return engine().newBaseManager(Device.cpu());
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }
}
