package org.dynalens.plugin.task;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The registry of tasks, filled by {@link ServiceLoader}. */
public final class Tasks {

    private Tasks() {
    }

    /** Every registered task factory by name, sorted. */
    public static Map<String, TaskFactory> all() {
        Map<String, TaskFactory> out = new TreeMap<>();
        for (TaskFactory f : ServiceLoader.load(TaskFactory.class, Tasks.class.getClassLoader())) out.put(f.name(), f);
        return out;
    }

    /** Creates the named task; unknown names get a message listing the known ones. */
    public static Task create(String name, Map<String, Object> settings) {
        TaskFactory f = all().get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown task '" + name + "'; known tasks: " + String.join(", ", all().keySet()));
        }
        return f.create(settings);
    }
}
