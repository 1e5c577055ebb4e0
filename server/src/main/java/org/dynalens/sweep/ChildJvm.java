package org.dynalens.sweep;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a {@code dynalens} child process: this JVM's java binary, its JVM flags (heap, DJL offline and
 * thread settings, logging) and its class path, so the child runs the same build with the same settings.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    public static List<String> dynalens(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // debugger / agent flags would clash on their ports; everything else (-D, -X) carries over
            if (!flag.startsWith("-agentlib") && !flag.startsWith("-javaagent") && !flag.startsWith("-Xrunjdwp")) cmd.add(flag);
        }
        cmd.add("-Xms64m"); // the launcher's -Xms1g per child would commit a gigabyte per sweep worker up front
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.dynalens.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }
}
