package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.RunIndex;
import org.dynalens.server.DynalensServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code dynalens serve}: the web API and UI over an archive. The index is opened read-only, so training runs in
 * other processes keep writing it and their checkpoints appear here as they are committed.
 */
@Command(name = "serve", description = "Serve the web API and UI over an archive (127.0.0.1 by default).")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ArchiveOption archive;
    @Mixin
    ServerOptionsMixin server;

    @Override
    public Integer call() throws InterruptedException {
        Archive a = archive.open();
        Indexes.ensureBuilt(a);
        try (RunIndex index = RunIndex.openReadOnly(a.indexDir());
             DynalensServer http = new DynalensServer(a, index, server.options())) {
            int port = http.start();
            System.out.println("serving " + a.root() + " at http://" + server.host + ":" + port + "/  (Ctrl-C to stop)");
            awaitShutdown();
        }
        return 0;
    }

    /** Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM); resources close in the callers' try blocks. */
    static void awaitShutdown() throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
    }
}
