package org.dynalens.server;

/**
 * How the server listens. Defaults to loopback only: exposing the archive on other interfaces is a deliberate choice.
 *
 * @param host  interface to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
 * @param port  TCP port; 0 picks a free one ({@link DynalensServer#start()} returns it)
 * @param token bearer token that mutating requests (POST, PUT, DELETE, ...) must carry; null disables them all
 */
public record ServerOptions(String host, int port, String token) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;

    public ServerOptions {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must not be empty");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
        if (token != null && token.isBlank()) token = null;
    }

    /** 127.0.0.1:8080, no token. */
    public static ServerOptions defaults() {
        return new ServerOptions(DEFAULT_HOST, DEFAULT_PORT, null);
    }

    public ServerOptions withHost(String newHost) {
        return new ServerOptions(newHost, port, token);
    }

    public ServerOptions withPort(int newPort) {
        return new ServerOptions(host, newPort, token);
    }

    public ServerOptions withToken(String newToken) {
        return new ServerOptions(host, port, newToken);
    }

    @Override
    public String toString() {
        // never print the token itself
        return "ServerOptions[host=" + host + ", port=" + port + ", token=" + (token == null ? "none" : "set") + "]";
    }
}
