package org.dynalens.cli;

import org.dynalens.archive.Archive;
import org.dynalens.indexer.IndexException;
import org.dynalens.indexer.RunIndex;
import org.dynalens.server.DynalensServer;
import org.dynalens.server.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code dynalens serve}: the web API and UI over an archive. The index is opened for writing when it is free, so
 * runs can be tagged, noted and deleted through the API (with the bearer token printed at start-up; a random one
 * unless {@code --token} gives it). When another process (e.g. a training run) holds the index's write lock, it is
 * opened read-only instead: search keeps working and shows what that process commits, and changes answer 503.
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
        ServerOptions options = server.options();
        if (options.token() == null) options = options.withToken(randomToken());
        try (RunIndex index = openIndex(a);
             DynalensServer http = new DynalensServer(a, index, options)) {
            int port = http.start();
            System.out.println("serving " + a.root() + " at http://" + server.host + ":" + port + "/  (Ctrl-C to stop)");
            System.out.println(index.isReadOnly()
                    ? "index opened read-only (another process is writing it): runs cannot be changed through the API"
                    : "token for changes (DELETE, POST, PUT): " + options.token());
            awaitShutdown();
        }
        return 0;
    }

    /** Writable when nobody else holds the index's write lock, read-only otherwise. */
    private static RunIndex openIndex(Archive a) {
        try {
            return RunIndex.open(a.indexDir());
        } catch (IndexException e) {
            System.err.println("note: " + e.getMessage() + "; opening it read-only");
            return RunIndex.openReadOnly(a.indexDir());
        }
    }

    /** 192 random bits, URL-safe: what clients send as 'Authorization: Bearer <token>'. */
    static String randomToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM); resources close in the callers' try blocks. */
    static void awaitShutdown() throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
    }
}
