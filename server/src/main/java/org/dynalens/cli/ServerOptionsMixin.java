package org.dynalens.cli;

import org.dynalens.server.ServerOptions;
import picocli.CommandLine.Option;

/** {@code --host}, {@code --port} and {@code --token} for commands that serve the UI. */
final class ServerOptionsMixin {

    @Option(names = "--host", defaultValue = ServerOptions.DEFAULT_HOST,
            description = "Interface to bind (default: ${DEFAULT-VALUE}, this machine only).")
    String host;
    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;
    @Option(names = "--token", description = "Bearer token for changing requests (serve: a random one, printed at start-up; demo: none, changes disabled).")
    String token;

    ServerOptions options() {
        return new ServerOptions(host, port, token);
    }
}
