package org.dynalens.plugin.task;

import java.util.Map;

/** Makes a {@link SequenceTask} from its settings; found through {@link java.util.ServiceLoader} by {@link #name()}. */
public interface SequenceTaskFactory {

    /** The name users select the task by ({@code --task repeated-tokens}). */
    String name();

    /** One line for help texts. */
    String description();

    /**
     * Builds the task from its settings ({@code n_ctx}, {@code vocab} and task-specific ones); missing settings take
     * the task's defaults; a bad one throws IllegalArgumentException naming it.
     */
    SequenceTask create(Map<String, Object> settings);
}
