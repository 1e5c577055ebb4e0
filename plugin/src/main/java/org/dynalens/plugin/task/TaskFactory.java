package org.dynalens.plugin.task;

import java.util.Map;

/** Makes a {@link Task} from its settings; found through {@link java.util.ServiceLoader} by {@link #name()}. */
public interface TaskFactory {

    /** The name users select the task by ({@code --task mod-add}). */
    String name();

    /** One line for help texts. */
    String description();

    /**
     * Builds the task. {@code settings} holds the task's parameters (e.g. {@code p}); throws
     * IllegalArgumentException with a message naming the bad setting.
     */
    Task create(Map<String, Object> settings);
}
