package org.dynalens.server;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunIndex;

import java.io.IOException;
import java.nio.file.Path;

/** A real server on a random port over a {@link TestArchive} and, when {@code withIndex}, a real run index. */
final class TestServer implements AutoCloseable {

    final Archive archive;
    final RunIndex index;
    final DynalensServer server;
    final Http http;

    private TestServer(Archive archive, RunIndex index, ServerOptions options) {
        this.archive = archive;
        this.index = index;
        this.server = new DynalensServer(archive, index, options);
        this.http = new Http(server.start());
    }

    /** Archive endpoints only: the server runs without an index (search answers 503). */
    static TestServer withoutIndex(Path dir, ServerOptions options) throws IOException {
        return new TestServer(TestArchive.create(dir), null, options);
    }

    /** Everything, with the two finished/running runs indexed. */
    static TestServer withIndex(Path dir) throws IOException {
        Archive archive = TestArchive.create(dir);
        RunIndex index = RunIndex.open(archive.indexDir());
        index.indexRun(archive.run(TestArchive.FINISHED));
        index.indexRun(archive.run(TestArchive.RUNNING));
        index.commit();
        return new TestServer(archive, index, ServerOptions.defaults().withPort(0));
    }

    /** Like {@link #withIndex(Path)}, with other options (e.g. a token). */
    static TestServer withIndex(Path dir, ServerOptions options) throws IOException {
        Archive archive = TestArchive.create(dir);
        RunIndex index = RunIndex.open(archive.indexDir());
        index.reindex(archive);
        return new TestServer(archive, index, options);
    }

    /** A server over an archive and index the caller built (e.g. {@link TrainedRuns}); closing it keeps them. */
    static DynalensServer over(Archive archive, RunIndex index, ServerOptions options) {
        DynalensServer server = new DynalensServer(archive, index, options);
        server.start();
        return server;
    }

    static ServerOptions randomPort() {
        return ServerOptions.defaults().withPort(0);
    }

    @Override
    public void close() {
        server.stop();
        if (index != null) index.close();
    }
}
