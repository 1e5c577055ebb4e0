package org.dynalens.plugin.task;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.TreeSet;

/** The registry of tasks, filled by {@link ServiceLoader}: classification tasks and next-token sequence tasks. */
public final class Tasks {

    private Tasks() {
    }

    /** Every registered classification task factory by name, sorted. */
    public static Map<String, TaskFactory> all() {
        Map<String, TaskFactory> out = new TreeMap<>();
        for (TaskFactory f : ServiceLoader.load(TaskFactory.class, Tasks.class.getClassLoader())) out.put(f.name(), f);
        return out;
    }

    /** Every registered sequence task factory by name, sorted. */
    public static Map<String, SequenceTaskFactory> sequenceTasks() {
        Map<String, SequenceTaskFactory> out = new TreeMap<>();
        for (SequenceTaskFactory f : ServiceLoader.load(SequenceTaskFactory.class, Tasks.class.getClassLoader())) {
            out.put(f.name(), f);
        }
        return out;
    }

    /** Whether {@code name} is a registered next-token (sequence) task. */
    public static boolean isSequenceTask(String name) {
        return sequenceTasks().containsKey(name);
    }

    /** Creates the named task; unknown names get a message listing the known ones. */
    public static Task create(String name, Map<String, Object> settings) {
        TaskFactory f = all().get(name);
        if (f == null) {
            if (isSequenceTask(name)) {
                throw new IllegalArgumentException("task '" + name + "' is a sequence task, not a classification task");
            }
            throw unknown(name);
        }
        return f.create(settings);
    }

    /** Creates the named sequence task; unknown names get a message listing the known ones. */
    public static SequenceTask createSequence(String name, Map<String, Object> settings) {
        SequenceTaskFactory f = sequenceTasks().get(name);
        if (f == null) throw unknown(name);
        return f.create(settings);
    }

    private static IllegalArgumentException unknown(String name) {
        TreeSet<String> names = new TreeSet<>(all().keySet());
        names.addAll(sequenceTasks().keySet());
        return new IllegalArgumentException("unknown task '" + name + "'; known tasks: " + String.join(", ", names));
    }
}
