package org.dynalens.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The root of an archive directory: {@code runs/<id>/...} for the source of truth and {@code index/} for the
 * Lucene index that can always be rebuilt from it.
 */
public final class Archive {

    private final Path root;

    private Archive(Path root) {
        this.root = root;
    }

    /** Opens (creating if needed) the archive at {@code root}; a clear error if it is a file or not writable. */
    public static Archive open(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new ArchiveException("archive path " + abs + " is a file, not a directory");
        }
        try {
            Files.createDirectories(abs.resolve("runs"));
        } catch (IOException e) {
            throw new ArchiveException("cannot create archive at " + abs + ": " + Hdf5.oneLine(e), e);
        }
        return new Archive(abs);
    }

    public Path root() {
        return root;
    }

    /** Where the Lucene index of this archive lives. */
    public Path indexDir() {
        return root.resolve("index");
    }

    /** Ids of all runs that have a run file, sorted. */
    public List<String> runIds() {
        try (Stream<Path> dirs = Files.list(root.resolve("runs"))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve(RunArchive.RUN_FILE)))
                    .map(d -> d.getFileName().toString())
                    .filter(RunId::isValid)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new ArchiveException("cannot list runs in " + root + ": " + Hdf5.oneLine(e), e);
        }
    }

    public boolean hasRun(String id) {
        return RunId.isValid(id) && Files.isRegularFile(root.resolve("runs").resolve(id).resolve(RunArchive.RUN_FILE));
    }

    /** An existing run; {@link ArchiveException.NotFound} for an unknown or invalid id. */
    public RunArchive run(String id) {
        RunId.check(id);
        if (!hasRun(id)) throw new ArchiveException.NotFound("no run '" + id + "' in archive " + root);
        return new RunArchive(root.resolve("runs").resolve(id), id);
    }

    /** Creates a run directory and writes its run file; fails if the run exists. */
    public RunArchive createRun(RunInfo info) {
        if (hasRun(info.id())) throw new ArchiveException("run '" + info.id() + "' already exists in " + root);
        RunArchive run = new RunArchive(root.resolve("runs").resolve(info.id()), info.id());
        run.writeInfo(info);
        return run;
    }
}
