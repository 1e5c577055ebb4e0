package org.dynalens.cli;

import org.dynalens.archive.Archive;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --archive DIR} option every command shares. */
final class ArchiveOption {

    @Option(names = "--archive", paramLabel = "DIR", defaultValue = "dynalens-archive",
            description = "Archive directory (default: ${DEFAULT-VALUE}).")
    Path dir;

    Archive open() {
        return Archive.open(dir);
    }
}
